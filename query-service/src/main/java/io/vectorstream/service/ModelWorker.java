package io.vectorstream.service;

import io.vectorstream.embed.DjlEmbedder;
import io.vectorstream.embed.DjlRuntime;
import io.vectorstream.embed.Embedder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the HTTP service's model calls one at a time: on one platform thread of its own, or, for a
 * search's query text when no other model call of the service is running, on the caller's thread.
 *
 * <p>One at a time because requests run on virtual threads, and a forward pass is a native call
 * that pins its carrier for milliseconds: two such calls would stall every request on a 2-core
 * machine. Calls that wait together for the same model and purpose are embedded in one forward
 * pass, so concurrent searches share the model's fixed cost. A call is cut into parts of at most
 * one forward pass (the models' batch size, {@code model.batch}) and a search's query texts go first, so a
 * search waits for at most one pass of a large {@code POST /v1/embed}, not for all of it. Bulk
 * calls are bounded ({@value #MAX_BULK_CALLS} at once, the next refused) and every caller waits
 * {@link #CALL_DEADLINE} at most.
 *
 * <p>Why a lone query runs on the caller's thread: handing it to the worker and back costs two
 * thread wake-ups, and on this VM waking the request's virtual thread after the forward pass took
 * 2.5-3.5 ms when the other vCPU had gone idle, half the pass itself (docs/benchmarks.md). The
 * pass then pins one carrier for its few milliseconds; the single permit keeps it at one.
 *
 * <p>Threads per operation: {@code model.http-threads}, by default those of {@code model.threads}
 * (1). Two made one query text's forward pass 25-40% faster in isolation, but not inside the
 * running service, where the second OpenMP thread spins against the HTTP and stream threads and
 * the 99th percentile doubled (docs/benchmarks.md).
  */
public final class ModelWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelWorker.class);

    /**
     * Who waits for a call, decided by the service, never by the caller: a search's query text
     * ({@code INTERACTIVE}: a person waits) goes before texts sent to {@code POST /v1/embed}
     * ({@code BULK}), whatever purpose those name.
     */
    public enum Priority { INTERACTIVE, BULK }

    /** Interactive calls first, then first come, first served. */
    private final BlockingQueue<Part> queue = new PriorityBlockingQueue<>(16, Comparator
            .comparing((Part part) -> part.call().priority())
            .thenComparingLong(Part::sequence));
    /**
     * Bulk calls queued or running at most; one more is refused at once ({@link Overloaded}), so
     * the queue, and what waiting callers hold, stays bounded however many are sent.
     */
    static final int MAX_BULK_CALLS = 8;
    private final Semaphore bulkCalls = new Semaphore(MAX_BULK_CALLS);
    /** How long a caller waits for its vectors at most. */
    static final Duration CALL_DEADLINE = Duration.ofSeconds(30);
    private final Duration deadline;
    private final AtomicLong sequence = new AtomicLong();
    /** Held by whichever thread runs a forward pass: the worker or a query's caller. Fair: FIFO. */
    private final Semaphore forwardPass = new Semaphore(1, true);
    private final Thread thread;
    private final int threads;
    /** Texts per forward pass at most. */
    private final int batch;
    private volatile boolean closed;
    /** A part the worker took and holds while a caller's pass runs (for {@link #queued()}). */
    private volatile Part waitingForPass;

    /**
     * @param threads PyTorch threads per operation of the service's model calls
     * @param batch   texts per forward pass at most
     */
    public ModelWorker(final int threads, final int batch) {
        this(threads, batch, CALL_DEADLINE);
    }

    ModelWorker(final int threads) {
        this(threads, DjlEmbedder.MAX_BATCH, CALL_DEADLINE);
    }

    ModelWorker(final int threads, final Duration deadline) {
        this(threads, DjlEmbedder.MAX_BATCH, deadline);
    }

    /** @param deadline how long a caller waits for its vectors at most */
    private ModelWorker(final int threads, final int batch, final Duration deadline) {
        if (threads < 1 || batch < 1) {
            throw new IllegalArgumentException("threads and batch must be at least 1, were " + threads + " and " + batch);
        }
        this.threads = threads;
        this.batch = batch;
        this.deadline = deadline;
        this.thread = Thread.ofPlatform().name("model-http").daemon(true).start(this::run);
    }

    /**
     * {@code embedder.embed(texts, purpose)}, run on the worker's thread, or on this one for an
     * interactive call of one forward pass when no other pass runs or waits; returns when it is done.
     *
     * @throws Embedder.EmbeddingException as the model throws it
     * @throws Overloaded                  for a bulk call while {@value #MAX_BULK_CALLS} others wait or run
     * @throws TimedOut                    when the vectors are not there within {@link #CALL_DEADLINE}
     */
    public float[][] embed(final Embedder embedder, final List<String> texts, final Embedder.Purpose purpose,
                           final Priority priority) {
        if (closed) {
            throw new IllegalStateException("the model worker is stopped");
        }
        if (priority == Priority.BULK) {
            if (!bulkCalls.tryAcquire()) {
                throw new Overloaded(MAX_BULK_CALLS + " calls to the model are waiting or running; retry shortly");
            }
            try {
                return queued(embedder, texts, purpose, priority);
            } finally {
                bulkCalls.release();
            }
        }
        if (texts.size() <= batch && forwardPassIsFree()) {
            try {
                DjlRuntime.useThreadsOnThisThread(threads); // the same setting as on the worker
                return embedder.embed(texts, purpose);
            } finally {
                forwardPass.release();
            }
        }
        return queued(embedder, texts, purpose, priority);
    }

    private float[][] queued(final Embedder embedder, final List<String> texts, final Embedder.Purpose purpose,
                             final Priority priority) {
        Call call = new Call(embedder, List.copyOf(texts), purpose, priority, new float[texts.size()][],
                new AtomicInteger((texts.size() + batch - 1) / batch),
                new CompletableFuture<>());
        if (texts.isEmpty()) {
            return call.vectors();
        }
        List<Part> parts = new ArrayList<>();
        for (int from = 0; from < texts.size(); from += batch) {
            parts.add(new Part(call, from, Math.min(texts.size(), from + batch), sequence.getAndIncrement()));
        }
        queue.addAll(parts);
        if (!thread.isAlive() && queue.removeAll(parts)) { // stopped before it could see the call
            throw new IllegalStateException("the model worker is stopped");
        }
        try {
            return call.result().get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            // Its parts leave the queue now (before a bulk call's permit is given back, so that the
            // queue stays bounded however long the model hangs); one the worker took is skipped.
            call.result().completeExceptionally(new TimedOut("no vectors after " + deadline));
            queue.removeIf(part -> part.call() == call);
            throw new TimedOut("the model did not answer within " + deadline.toSeconds() + " s; retry shortly");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.result().cancel(false);
            queue.removeIf(part -> part.call() == call);
            throw new IllegalStateException("interrupted while waiting for the model", e);
        }
    }

    /** A bulk call refused because the model has as much waiting as it takes. */
    public static final class Overloaded extends RuntimeException {
        Overloaded(final String message) {
            super(message);
        }
    }

    /** A call whose vectors did not come within {@link #CALL_DEADLINE}. */
    public static final class TimedOut extends RuntimeException {
        TimedOut(final String message) {
            super(message);
        }
    }

    /** Takes the permit if no forward pass runs and none waits for it (fairness: no barging). */
    private boolean forwardPassIsFree() {
        try {
            return forwardPass.tryAcquire(0, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking for the model", e);
        }
    }

    private void run() {
        DjlRuntime.useThreadsOnThisThread(threads);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Part waiting = queue.take();
                waitingForPass = waiting;
                try {
                    forwardPass.acquire();
                } finally {
                    queue.add(waiting); // back in line: a query that came meanwhile goes first
                    waitingForPass = null;
                }
                try {
                    List<Part> group = nextGroup();
                    if (!group.isEmpty()) {
                        embedGroup(group);
                    }
                } finally {
                    forwardPass.release();
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
        Part left;
        while ((left = queue.poll()) != null) {
            left.call().result().completeExceptionally(new IllegalStateException("the model worker is stopped"));
        }
    }

    private void embedGroup(final List<Part> group) {
        List<String> texts = new ArrayList<>();
        group.forEach(part -> texts.addAll(part.texts()));
        Call first = group.getFirst().call();
        try {
            float[][] vectors = first.embedder().embed(texts, first.purpose());
            int at = 0;
            for (Part part : group) {
                System.arraycopy(vectors, at, part.call().vectors(), part.from(), part.to() - part.from());
                at += part.to() - part.from();
                if (part.call().partsLeft().decrementAndGet() == 0) {
                    part.call().result().complete(part.call().vectors());
                }
            }
        } catch (RuntimeException e) {
            group.forEach(part -> part.call().result().completeExceptionally(e));
        }
    }

    /**
     * The next part (query texts first, then in arrival order) and the parts queued right behind
     * it for the same model and purpose, up to one forward pass of texts; empty if none is queued.
     * Parts of a call that already failed are dropped.
     */
    private List<Part> nextGroup() {
        List<Part> group = new ArrayList<>();
        Part first;
        do {
            first = queue.poll();
        } while (first != null && first.call().result().isDone());
        if (first == null) {
            return group;
        }
        group.add(first);
        int texts = first.to() - first.from();
        Part next;
        while ((next = queue.peek()) != null && !next.call().result().isDone()
                && next.call().embedder() == first.call().embedder()
                && next.call().purpose() == first.call().purpose()
                && texts + next.to() - next.from() <= batch) {
            // The part checked, not the head: a caller may have queued one that sorts first (a
            // query, another model's) since peek, and it must not run with this group's model.
            if (!queue.remove(next)) {
                break;
            }
            group.add(next);
            texts += next.to() - next.from();
        }
        return group;
    }

    /** Parts of calls waiting for a forward pass (for tests and metrics). */
    int queued() {
        return queue.size() + (waitingForPass == null ? 0 : 1);
    }

    /** A close waits this long at most for a forward pass that is running. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    /**
     * Stops the thread; calls still queued fail, and later calls are refused. Returns once no
     * forward pass runs (on the worker or on a caller's thread, up to {@value #CLOSE_WAIT_SECONDS}
     * s), so that the models can be closed after it: a pass must not outlive its model.
     */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            if (!forwardPass.tryAcquire(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("a forward pass was still running {} s after the model worker was closed", CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the thread to end after {@link #close()}. */
    void awaitStopped() throws InterruptedException {
        thread.join();
    }

    /** One caller's texts, the vectors filled in as its parts are embedded, and its result. */
    private record Call(Embedder embedder, List<String> texts, Embedder.Purpose purpose, Priority priority,
                        float[][] vectors, AtomicInteger partsLeft, CompletableFuture<float[][]> result) {
    }

    /** Texts {@code [from, to)} of a call: at most one forward pass, so a query waits for at most one. */
    private record Part(Call call, int from, int to, long sequence) {
        List<String> texts() {
            return call.texts().subList(from, to);
        }
    }
}
