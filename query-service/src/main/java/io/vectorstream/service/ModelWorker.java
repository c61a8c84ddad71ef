package io.vectorstream.service;

import io.vectorstream.embed.DjlEmbedder;
import io.vectorstream.embed.DjlRuntime;
import io.vectorstream.embed.Embedder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the HTTP service's model calls on one platform thread of its own.
 *
 * <p>Why not on the request's thread: requests run on virtual threads, and a forward pass is a
 * native call that pins its carrier for milliseconds (two such calls would stall every request
 * on a 2-core machine); PyTorch's thread count is also a per-native-thread setting that a virtual
 * thread cannot keep. Calls that wait together for the same model and purpose are embedded in one
 * forward pass, so concurrent searches share the model's fixed cost. A call is cut into parts of at
 * most one forward pass ({@link DjlEmbedder#MAX_BATCH} texts) and query texts go first, so a search
 * waits for at most one pass of a large {@code POST /v1/embed}, not for all of it.
 *
 * <p>Threads per operation: {@value #THREADS_PROPERTY}, default {@code vectorstream.model.threads}
 * (1). Two made one query text's forward pass 25-40% faster in isolation, but not inside the
 * running service, where the second OpenMP thread spins against the HTTP and stream threads and
 * the 99th percentile doubled (docs/benchmarks.md).
  */
public final class ModelWorker implements AutoCloseable {

    /** PyTorch threads per operation for the HTTP service's model calls. */
    public static final String THREADS_PROPERTY = "vectorstream.model.http-threads";

    /** Query texts before passages (a search waits for a person), then first come, first served. */
    private final BlockingQueue<Part> queue = new PriorityBlockingQueue<>(16, Comparator
            .comparing((Part part) -> part.call().purpose() != Embedder.Purpose.QUERY)
            .thenComparingLong(Part::sequence));
    private final AtomicLong sequence = new AtomicLong();
    private final Thread thread;
    private final int threads;

    public ModelWorker() {
        this(Integer.getInteger(THREADS_PROPERTY, DjlRuntime.defaultThreads()));
    }

    ModelWorker(final int threads) {
        this.threads = threads;
        this.thread = Thread.ofPlatform().name("model-http").daemon(true).start(this::run);
    }

    /**
     * {@code embedder.embed(texts, purpose)}, run on the worker's thread; waits for the result.
     *
     * @throws Embedder.EmbeddingException as the model throws it
     */
    public float[][] embed(final Embedder embedder, final List<String> texts, final Embedder.Purpose purpose) {
        Call call = new Call(embedder, List.copyOf(texts), purpose, new float[texts.size()][],
                new AtomicInteger((texts.size() + DjlEmbedder.MAX_BATCH - 1) / DjlEmbedder.MAX_BATCH),
                new CompletableFuture<>());
        if (texts.isEmpty()) {
            return call.vectors();
        }
        List<Part> parts = new ArrayList<>();
        for (int from = 0; from < texts.size(); from += DjlEmbedder.MAX_BATCH) {
            parts.add(new Part(call, from, Math.min(texts.size(), from + DjlEmbedder.MAX_BATCH), sequence.getAndIncrement()));
        }
        queue.addAll(parts);
        if (!thread.isAlive() && queue.removeAll(parts)) { // stopped before it could see the call
            throw new IllegalStateException("the model worker is stopped");
        }
        try {
            return call.result().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private void run() {
        DjlRuntime.useThreadsOnThisThread(threads);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                List<Part> group = takeGroup();
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
        } catch (InterruptedException e) {
            // closed
        }
        Part left;
        while ((left = queue.poll()) != null) {
            left.call().result().completeExceptionally(new IllegalStateException("the model worker is stopped"));
        }
    }

    /**
     * The next part (query texts first, then in arrival order), and the parts queued right behind it
     * for the same model and purpose, up to one forward pass of texts. Parts of a call that already
     * failed are dropped.
     */
    private List<Part> takeGroup() throws InterruptedException {
        List<Part> group = new ArrayList<>();
        Part first;
        do {
            first = queue.take();
        } while (first.call().result().isDone());
        group.add(first);
        int texts = first.to() - first.from();
        Part next;
        while ((next = queue.peek()) != null && next.call().embedder() == first.call().embedder()
                && next.call().purpose() == first.call().purpose()
                && texts + next.to() - next.from() <= DjlEmbedder.MAX_BATCH) {
            group.add(queue.remove());
            texts += next.to() - next.from();
        }
        return group;
    }

    /** Parts of calls waiting for the thread (for tests and metrics). */
    int queued() {
        return queue.size();
    }

    /** Stops the thread; calls still queued fail. */
    @Override
    public void close() {
        thread.interrupt();
    }

    /** Waits for the thread to end after {@link #close()}. */
    void awaitStopped() throws InterruptedException {
        thread.join();
    }

    /** One caller's texts, the vectors filled in as its parts are embedded, and its result. */
    private record Call(Embedder embedder, List<String> texts, Embedder.Purpose purpose, float[][] vectors,
                        AtomicInteger partsLeft, CompletableFuture<float[][]> result) {
    }

    /** Texts {@code [from, to)} of a call: at most one forward pass, so a query waits for at most one. */
    private record Part(Call call, int from, int to, long sequence) {
        List<String> texts() {
            return call.texts().subList(from, to);
        }
    }
}
