package io.vectorstream.stream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding stage's batches: holds a task's events in order, hands the texts of held events to
 * the embedding threads in batches of {@value #BATCH_TEXTS} texts, at most one batch in flight,
 * and hands the events back, in order and with their vectors in the {@link PrefetchedEmbedding},
 * once their batch is done. Events that need no model wait behind those that do, and make the
 * batch go at once rather than wait for more texts. Runs on the task's stream thread; only the
 * model call runs elsewhere, and it touches none of this state.
 */
final class EmbeddingBatcher {

    /** Texts held back before they are embedded together (the model cuts them into forward passes). */
    static final int BATCH_TEXTS = 32;
    /**
     * Texts held, beside the batch in flight, before a task waits for the model: the stream thread
     * goes on (reading, committing, running the other tasks, such as the shards this task feeds)
     * while the model works, but no further than this ahead of it.
     */
    static final int MAX_HELD_TEXTS = 4 * BATCH_TEXTS;
    /** Events held (with or without texts) beside the batch in flight before a task waits for the model. */
    static final int MAX_HELD_EVENTS = 1_000;
    /** A task that stops waits this long at most for its batch in flight. */
    private static final long IN_FLIGHT_CLOSE_WAIT_SECONDS = 60;
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingBatcher.class);

    private final PrefetchedEmbedding embedding;
    private final ExecutorService embeddingThreads;
    /** Takes events whose vectors {@link #embedding} has, in order, and forwards them. */
    private final Consumer<List<PendingEvent>> forward;

    /** Held events not yet given to the embedding thread, in order. */
    private final List<PendingEvent> waiting = new ArrayList<>();
    private int waitingTexts;
    /** Whether an event that needs no model is among {@link #waiting}: the batch must not wait. */
    private boolean waitingNeedsNoModel;
    /** Held events (all before {@link #waiting}) whose texts the embedding thread is computing. */
    private Batch inFlight;
    /** Offset of the oldest waiting event at the last {@link #tick}, or -1. */
    private long oldestWaitingAtLastTick = -1;

    /** Held events and the vectors of their texts, which the embedding thread computes. */
    private record Batch(List<PendingEvent> events, Future<Map<String, Map<String, float[]>>> vectors) {
    }

    /**
     * @param embedding        where vectors of a done batch go before its events are forwarded
     * @param embeddingThreads where model calls run
     * @param forward          forwards events whose vectors are ready, in order
     */
    EmbeddingBatcher(final PrefetchedEmbedding embedding, final ExecutorService embeddingThreads,
                     final Consumer<List<PendingEvent>> forward) {
        this.embedding = embedding;
        this.embeddingThreads = embeddingThreads;
        this.forward = forward;
    }

    /** Whether nothing is held: an event that needs no model may then be forwarded at once. */
    boolean isEmpty() {
        return inFlight == null && waiting.isEmpty();
    }

    /** Events held and not yet given to the model. */
    int waiting() {
        return waiting.size();
    }

    /** Offset of the oldest event held (in flight or waiting), or -1. */
    long oldestHeld() {
        if (inFlight != null) {
            return inFlight.events().getFirst().offset();
        }
        return waiting.isEmpty() ? -1 : waiting.getFirst().offset();
    }

    /** Takes back an event held before a restart, behind the ones taken back before it. */
    void restore(final PendingEvent event) {
        waiting.add(event);
        waitingTexts += event.texts().size();
        waitingNeedsNoModel |= event.texts().isEmpty();
    }

    /**
     * Holds an event behind the others; waits for the model first when too much is held already
     * (the model is behind), and starts the next batch if one is ready.
     */
    void hold(final PendingEvent event) {
        restore(event);
        if (waitingTexts >= MAX_HELD_TEXTS || waiting.size() >= MAX_HELD_EVENTS) {
            forwardInFlight();
        }
        startNextBatch(false);
    }

    /**
     * What the task does at every punctuation: forwards a done batch, and gives the waiting texts
     * to the model when nothing came since the last tick and the model is idle (a partial batch).
     */
    void tick() {
        forwardInFlightIfDone();
        long oldest = waiting.isEmpty() ? -1 : waiting.getFirst().offset();
        if (inFlight == null && oldest >= 0 && oldest == oldestWaitingAtLastTick) {
            startNextBatch(true);
            oldest = -1;
        }
        oldestWaitingAtLastTick = oldest;
    }

    /** Forwards the batch in flight if it is done, and starts the next one if it is ready. */
    void forwardInFlightIfDone() {
        if (inFlight != null && inFlight.vectors().isDone()) {
            forwardInFlight();
            startNextBatch(false);
        }
    }

    /**
     * Forgets everything held, after waiting (without using its result) for the batch in flight:
     * no model call of a task may outlive the task (the models are closed once the streams are).
     * The held events are still in the task's store, for its next start here or elsewhere.
     */
    void reset() {
        if (inFlight != null) {
            try {
                inFlight.vectors().get(IN_FLIGHT_CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | CancellationException e) {
                LOG.debug("batch in flight not awaited cleanly", e);
            }
        }
        inFlight = null;
        clearWaiting();
        oldestWaitingAtLastTick = -1;
    }

    /**
     * With no batch in flight: forwards the waiting events at once if none has texts, or gives them
     * to the embedding thread when their texts fill a batch, when an event that needs no model
     * waits behind them (it must not wait for texts that may never come), or when {@code now}.
     */
    private void startNextBatch(final boolean now) {
        if (inFlight != null || waiting.isEmpty()) {
            return;
        }
        if (waitingTexts == 0) {
            forwardAndClear(List.copyOf(waiting));
            clearWaiting();
        } else if (now || batchIsReady()) {
            startInFlight();
        }
    }

    /** Whether the waiting texts make a batch: enough of them, or an event that must not wait behind them. */
    private boolean batchIsReady() {
        return waitingTexts > 0 && (waitingNeedsNoModel || waitingTexts >= BATCH_TEXTS);
    }

    private void clearWaiting() {
        waiting.clear();
        waitingTexts = 0;
        waitingNeedsNoModel = false;
    }

    /** Hands the waiting events' texts to the embedding thread. */
    private void startInFlight() {
        Map<String, List<String>> texts = textsByModel(waiting);
        TextEmbedding models = embedding.models();
        inFlight = new Batch(List.copyOf(waiting),
                embeddingThreads.submit(() -> PrefetchedEmbedding.compute(models, texts)));
        clearWaiting();
    }

    /** Waits for the batch in flight, if any, and forwards its events. */
    private void forwardInFlight() {
        if (inFlight == null) {
            return;
        }
        try {
            embedding.add(inFlight.vectors().get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException e) {
            // compute() leaves failing models out; anything else: each event embeds on its own when forwarded
            LOG.warn("embedding a batch failed; its events are embedded one by one", e.getCause());
        }
        List<PendingEvent> events = inFlight.events();
        inFlight = null;
        if (batchIsReady()) {
            // The model works on the next texts while these events are forwarded: forwarding a
            // full batch (parsing, encoding vectors, sending) is Kafka work that would otherwise
            // leave the model idle in between.
            startInFlight();
        }
        forwardAndClear(events);
    }

    private void forwardAndClear(final List<PendingEvent> events) {
        forward.accept(events);
        embedding.clear();
    }

    private static Map<String, List<String>> textsByModel(final List<PendingEvent> events) {
        Map<String, List<String>> textsByModel = new LinkedHashMap<>();
        for (PendingEvent event : events) {
            if (event.modelId() != null) {
                textsByModel.computeIfAbsent(event.modelId(), m -> new ArrayList<>()).addAll(event.texts());
            }
        }
        return textsByModel;
    }
}
