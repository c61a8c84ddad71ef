package io.vectorstream.embed;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Settings DJL reads once, when its PyTorch engine starts: they must be in place before the first
 * model is built or loaded, so every entry point of this package calls {@link #configure} first.
 * Also the number of threads one PyTorch operation may use, chosen per calling thread.
 */
public final class DjlRuntime {

    /**
     * Threads per PyTorch operation ({@code model.threads}); more than one collapses throughput on
     * a busy 2-core machine (two threads: about 20 sentences/s instead of 130-150). PyTorch and DJL
     * keep such settings per process, so this one does too, set by {@link #configure(int)}.
     */
    private static volatile int defaultThreads = ModelOptions.DEFAULT_THREADS;

    /** The threads per operation the calling thread asked for; unset means {@link #defaultThreads()}. */
    private static final ThreadLocal<Integer> WANTED = new ThreadLocal<>();
    /** What PyTorch was last told for the calling thread. */
    private static final ThreadLocal<Integer> APPLIED = new ThreadLocal<>();

    private DjlRuntime() {
    }

    /** {@link #configure(int)} with the threads configured last (by default 1). */
    public static void configure() {
        configure(defaultThreads);
    }

    /**
     * Never download anything (the native library comes from the Maven jar), and run each
     * PyTorch operation on {@code threadsPerOperation} threads unless a thread asks otherwise:
     * several callers (stream threads, HTTP threads) already run in parallel. DJL reads these
     * settings when its engine starts, before the first model is built or loaded.
     */
    public static synchronized void configure(final int threadsPerOperation) {
        if (threadsPerOperation < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threadsPerOperation);
        }
        defaultThreads = threadsPerOperation;
        System.setProperty("ai.djl.offline", "true");
        String threads = String.valueOf(threadsPerOperation);
        System.setProperty("ai.djl.pytorch.num_threads", threads);
        System.setProperty("ai.djl.pytorch.num_interop_threads", threads);
    }

    /** The threads per operation of threads that did not ask for another number. */
    public static int defaultThreads() {
        return defaultThreads;
    }

    /**
     * Lets the model calls of the current thread use {@code threads} threads per operation. For a
     * thread that serves one latency-bound caller at a time (a search's query text): a single
     * short text does not fill one core's vector units for long, and two threads cut its forward
     * pass about in half on an idle machine. Throughput-bound threads keep the default.
     */
    public static void useThreadsOnThisThread(final int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        WANTED.set(threads);
    }

    /**
     * Tells PyTorch, before a forward pass, how many threads this thread's operations may use.
     * PyTorch's OpenMP keeps that count per native thread (and a new native thread starts from
     * the value set last by anyone), so each thread sets its own. A virtual thread may run on a
     * different carrier each time: it is told every time, and should not call models at all
     * (a native call pins its carrier for the whole forward pass).
     */
    static void applyThreadsOfThisThread() {
        Integer wanted = WANTED.get();
        int threads = wanted == null ? defaultThreads() : wanted;
        Integer applied = APPLIED.get();
        if (Thread.currentThread().isVirtual() || applied == null || applied != threads) {
            JniUtils.setNumThreads(threads);
            APPLIED.set(threads);
        }
    }
}
