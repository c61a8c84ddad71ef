package io.vectorstream.index;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Where IVF trainings run when they must not hold up the thread that writes the index (a stream
 * thread, which would otherwise stop applying records for the whole of a k-means run): threads
 * of their own, at most {@code concurrent} trainings at once in the process. Each holds a copy of
 * its index's vectors while it runs, so the bound is a memory bound too; an index that finds no
 * room starts its training later. k-means itself runs on its own pool ({@link KMeans}).
 */
public final class BackgroundTraining {

    /** The process's trainings: two at once. */
    public static final BackgroundTraining SHARED = new BackgroundTraining(2);

    private final Semaphore running;
    private final ExecutorService threads;

    BackgroundTraining(final int concurrent) {
        this(concurrent, Executors.newFixedThreadPool(concurrent,
                Thread.ofPlatform().daemon().name("vectorstream-ivf-training-", 0).factory()));
    }

    /** On {@code threads} (tests hold them back to see what happens meanwhile). */
    BackgroundTraining(final int concurrent, final ExecutorService threads) {
        this.running = new Semaphore(concurrent);
        this.threads = threads;
    }

    /**
     * Starts {@code work} on a training thread, or returns {@code null} at once when as many
     * trainings as allowed already run.
     */
    <T> CompletableFuture<T> start(final Supplier<T> work) {
        if (!running.tryAcquire()) {
            return null;
        }
        try {
            return CompletableFuture.supplyAsync(work, threads).whenComplete((result, failure) -> running.release());
        } catch (RuntimeException rejected) {
            running.release();
            throw rejected;
        }
    }
}
