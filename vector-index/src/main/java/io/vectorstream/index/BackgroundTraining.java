package io.vectorstream.index;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Where IVF trainings (and graph builds, {@link #build}) run when they must not hold up the thread that writes the index (a stream
 * thread, which would otherwise stop applying records for the whole of a k-means run): threads
 * of their own, at most {@code concurrent} trainings at once in the process. Each holds a copy of
 * its index's vectors while it runs, so the bound is a memory bound too; an index that finds no
 * room starts its training later. k-means itself runs on its own pool ({@link KMeans}).
 */
public final class BackgroundTraining {

    /**
     * The process's trainings: one at a time, so that at most one copy of an index's vectors is
     * held beside the indexes (the memory budgets leave room for it: {@code IndexMemory}).
     */
    public static final BackgroundTraining SHARED = new BackgroundTraining(1);

    /** The JDK's logger: this module depends on nothing else; the service routes it to its own logs. */
    private static final System.Logger LOG = System.getLogger(BackgroundTraining.class.getName());

    private final Semaphore running;
    private final ExecutorService threads;
    private final Executor builds;

    BackgroundTraining(final int concurrent) {
        this(concurrent, Executors.newFixedThreadPool(concurrent,
                Thread.ofPlatform().daemon().name("vectorstream-ivf-training-", 0).factory()),
                Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("vectorstream-graph-build").factory()));
    }

    /** On {@code threads} (tests hold them back to see what happens meanwhile), graph builds too. */
    BackgroundTraining(final int concurrent, final ExecutorService threads) {
        this(concurrent, threads, threads);
    }

    private BackgroundTraining(final int concurrent, final ExecutorService threads, final Executor builds) {
        this.running = new Semaphore(concurrent);
        this.threads = threads;
        this.builds = builds;
    }

    /**
     * Runs a graph build ({@link HnswIndex} after a bulk load) on the process's build thread, after
     * the builds queued before it: one at a time, so that the stream threads keep a core. A build
     * holds no copy of its index, so it takes no training place. A build that throws (a bug) is
     * logged; the builds queued after it still run.
     */
    void build(final Runnable work) {
        builds.execute(() -> {
            try {
                work.run();
            } catch (RuntimeException failure) {
                LOG.log(System.Logger.Level.ERROR, "a graph build failed; its shard answers by exact search", failure);
            }
        });
    }

    /**
     * A place for one training, taken before the caller prepares it (copies its index's vectors):
     * an index that finds no room must not pay for a copy it cannot use.
     *
     * @return the place, or {@code null} at once when as many trainings as allowed already run
     */
    Slot tryTake() {
        return running.tryAcquire() ? new Slot() : null;
    }

    /** One training's place: {@link #run} it once, or {@link #giveBack} it. */
    final class Slot {
        private boolean used;

        private Slot() {
        }

        /** Runs {@code work} on a training thread; the place is free again when it ends. */
        <T> CompletableFuture<T> run(final Supplier<T> work) {
            use();
            try {
                return CompletableFuture.supplyAsync(work, threads).whenComplete((result, failure) -> running.release());
            } catch (RuntimeException rejected) {
                running.release();
                throw rejected;
            }
        }

        /** Frees the place unused. */
        void giveBack() {
            use();
            running.release();
        }

        private void use() {
            if (used) {
                throw new IllegalStateException("a training's place is used once");
            }
            used = true;
        }
    }
}
