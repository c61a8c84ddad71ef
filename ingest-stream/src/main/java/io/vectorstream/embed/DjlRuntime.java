package io.vectorstream.embed;

/**
 * Settings DJL reads once, when its PyTorch engine starts: they must be in place before the first
 * model is built or loaded, so every entry point of this package calls {@link #configure} first.
 */
public final class DjlRuntime {

    /** Threads per PyTorch operation; more than one collapses throughput on a busy 2-core box (FACTS.md). */
    public static final String THREADS_PROPERTY = "vectorstream.model.threads";
    private static final int DEFAULT_THREADS = 1;

    private DjlRuntime() {
    }

    /**
     * Never download anything (the native library comes from the Maven jar), and run each
     * PyTorch operation on {@code vectorstream.model.threads} threads (default 1): several callers
     * (stream threads, HTTP threads) already run in parallel.
     */
    public static synchronized void configure() {
        System.setProperty("ai.djl.offline", "true");
        String threads = String.valueOf(Integer.getInteger(THREADS_PROPERTY, DEFAULT_THREADS));
        System.setProperty("ai.djl.pytorch.num_threads", threads);
        System.setProperty("ai.djl.pytorch.num_interop_threads", threads);
    }
}
