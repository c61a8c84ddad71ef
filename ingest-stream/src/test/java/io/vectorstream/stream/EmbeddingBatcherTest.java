package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedding stage's batching as a plain class: events come back in their order, texts go to
 * the model in batches, an event that needs no model makes the batch go at once, a partial batch
 * goes after a quiet tick, and at most one batch is in flight.
 */
class EmbeddingBatcherTest {

    /** A model that counts its calls and texts, and may be held until released. */
    private static final class CountingModel implements TextEmbedding {
        final List<Integer> callSizes = new ArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public int dimension(final String modelId) {
            return 2;
        }

        @Override
        public synchronized float[][] embed(final String modelId, final List<String> texts) {
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            callSizes.add(texts.size());
            float[][] vectors = new float[texts.size()][];
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = new float[] {1, i};
            }
            return vectors;
        }
    }

    private final ExecutorService threads = Executors.newSingleThreadExecutor();
    private final CountingModel model = new CountingModel();
    private final PrefetchedEmbedding embedding = new PrefetchedEmbedding(model);
    private final List<Long> forwarded = new ArrayList<>();
    private final EmbeddingBatcher batcher = new EmbeddingBatcher(embedding, threads,
            events -> events.forEach(event -> forwarded.add(event.offset())));

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private static PendingEvent withTexts(final long offset, final int texts) {
        List<String> list = new ArrayList<>();
        for (int i = 0; i < texts; i++) {
            list.add("text " + offset + "." + i);
        }
        return new PendingEvent(new byte[] {1}, new byte[] {2}, 0, "events", 0, offset, "m", list);
    }

    private static PendingEvent withoutTexts(final long offset) {
        return new PendingEvent(new byte[] {1}, new byte[] {2}, 0, "events", 0, offset, null, List.of());
    }

    private void awaitForwarded(final int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (forwarded.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
            batcher.forwardInFlightIfDone();
        }
    }

    @Test
    void aFullBatchGoesToTheModelInOneCallAndComesBackInOrder() throws InterruptedException {
        for (long offset = 0; offset < EmbeddingBatcher.BATCH_TEXTS; offset++) {
            batcher.hold(withTexts(offset, 1));
        }
        awaitForwarded(EmbeddingBatcher.BATCH_TEXTS);
        assertEquals(List.of(EmbeddingBatcher.BATCH_TEXTS), model.callSizes);
        for (int i = 0; i < forwarded.size(); i++) {
            assertEquals(i, forwarded.get(i));
        }
        assertTrue(batcher.isEmpty());
        assertEquals(-1, batcher.oldestHeld());
    }

    @Test
    void anEventThatNeedsNoModelMakesTheBatchGoAtOnceAndWaitsBehindIt() throws InterruptedException {
        batcher.hold(withTexts(10, 2));
        assertEquals(10, batcher.oldestHeld());
        assertTrue(model.callSizes.isEmpty(), "two texts wait for more");
        batcher.hold(withoutTexts(11));
        awaitForwarded(2);
        assertEquals(List.of(2), model.callSizes);
        assertEquals(List.of(10L, 11L), forwarded);
    }

    @Test
    void aPartialBatchGoesAfterAQuietTick() throws InterruptedException {
        batcher.hold(withTexts(5, 3));
        batcher.tick();
        assertTrue(model.callSizes.isEmpty() && forwarded.isEmpty(), "the first tick only notes the oldest");
        batcher.tick();
        awaitForwarded(1);
        assertEquals(List.of(3), model.callSizes);
        assertEquals(List.of(5L), forwarded);
    }

    @Test
    void atMostOneBatchIsInFlightAndLaterEventsWaitBehindIt() throws InterruptedException {
        model.gate = new CountDownLatch(1);
        for (long offset = 0; offset < EmbeddingBatcher.BATCH_TEXTS; offset++) {
            batcher.hold(withTexts(offset, 1));
        }
        long next = EmbeddingBatcher.BATCH_TEXTS;
        for (long offset = next; offset < next + EmbeddingBatcher.BATCH_TEXTS; offset++) {
            batcher.hold(withTexts(offset, 1));
        }
        batcher.hold(withoutTexts(next + EmbeddingBatcher.BATCH_TEXTS));
        assertEquals(0, batcher.oldestHeld(), "the batch in flight holds the oldest");
        assertTrue(forwarded.isEmpty(), "nothing passes the batch in flight");
        model.gate.countDown();
        awaitForwarded(2 * EmbeddingBatcher.BATCH_TEXTS + 1);
        assertEquals(List.of(EmbeddingBatcher.BATCH_TEXTS, EmbeddingBatcher.BATCH_TEXTS), model.callSizes);
        for (int i = 0; i < forwarded.size(); i++) {
            assertEquals(i, forwarded.get(i));
        }
    }

    @Test
    void tooMuchHeldWaitsForTheModelInsteadOfHoldingMore() {
        model.gate = new CountDownLatch(1);
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            model.gate.countDown();
        });
        for (long offset = 0; offset < EmbeddingBatcher.BATCH_TEXTS + EmbeddingBatcher.MAX_HELD_TEXTS; offset++) {
            batcher.hold(withTexts(offset, 1));
        }
        // Nothing here asks for done batches: only the limit makes hold() wait for the one in flight.
        assertTrue(forwarded.size() >= EmbeddingBatcher.BATCH_TEXTS,
                "holding past the limit waited for the batch in flight and forwarded it: " + forwarded.size());
        assertEquals(0, model.gate.getCount(), "it waited for the model to be released");
    }

    @Test
    void aResetForgetsWhatIsHeld() {
        batcher.hold(withTexts(1, 2));
        batcher.restore(withTexts(2, 1));
        assertEquals(2, batcher.waiting());
        batcher.reset();
        assertTrue(batcher.isEmpty());
        assertEquals(-1, batcher.oldestHeld());
    }
}
