package io.vectorstream.service;

import io.vectorstream.embed.DjlEmbedder;
import io.vectorstream.embed.DjlRuntime;
import io.vectorstream.embed.Embedder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Runs the HTTP service's model calls on one platform thread of its own.
 *
 * <p>Why not on the request's thread: requests run on virtual threads, and a forward pass is a
 * native call that pins its carrier for milliseconds (two such calls would stall every request
 * on a 2-core machine); PyTorch's thread count is also a per-native-thread setting that a virtual
 * thread cannot keep. Calls that wait together for the same model and purpose are embedded in one
 * forward pass, so concurrent searches share the model's fixed cost.
 *
 * <p>Threads per operation: {@value #THREADS_PROPERTY}, default {@code vectorstream.model.threads}
 * (1). Two made one query text's forward pass 25-40% faster in isolation, but not inside the
 * running service, where the second OpenMP thread spins against the HTTP and stream threads and
 * the 99th percentile doubled (docs/benchmarks.md).
  */
public final class ModelWorker implements AutoCloseable {

    /** PyTorch threads per operation for the HTTP service's model calls. */
    public static final String THREADS_PROPERTY = "vectorstream.model.http-threads";

    private final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
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
        Call call = new Call(embedder, List.copyOf(texts), purpose, new CompletableFuture<>());
        calls.add(call);
        if (!thread.isAlive() && calls.remove(call)) { // stopped before it could see the call
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
                List<Call> group = takeGroup();
                List<String> texts = new ArrayList<>();
                group.forEach(call -> texts.addAll(call.texts()));
                try {
                    float[][] vectors = group.getFirst().embedder().embed(texts, group.getFirst().purpose());
                    int from = 0;
                    for (Call call : group) {
                        float[][] own = new float[call.texts().size()][];
                        System.arraycopy(vectors, from, own, 0, own.length);
                        from += own.length;
                        call.result().complete(own);
                    }
                } catch (RuntimeException e) {
                    group.forEach(call -> call.result().completeExceptionally(e));
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
        Call left;
        while ((left = calls.poll()) != null) {
            left.result().completeExceptionally(new IllegalStateException("the model worker is stopped"));
        }
    }

    /** The next call, and the calls queued right behind it for the same model and purpose. */
    private List<Call> takeGroup() throws InterruptedException {
        List<Call> group = new ArrayList<>();
        Call first = calls.take();
        group.add(first);
        int texts = first.texts().size();
        Call next;
        while ((next = calls.peek()) != null && next.embedder() == first.embedder()
                && next.purpose() == first.purpose() && texts + next.texts().size() <= DjlEmbedder.MAX_BATCH) {
            group.add(calls.remove());
            texts += next.texts().size();
        }
        return group;
    }

    /** Calls waiting for the thread (for tests and metrics). */
    int queued() {
        return calls.size();
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

    private record Call(Embedder embedder, List<String> texts, Embedder.Purpose purpose,
                        CompletableFuture<float[][]> result) {
    }
}
