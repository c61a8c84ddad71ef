package io.vectorstream.index;

import java.util.BitSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One IVF training running beside the writer ({@link BackgroundTraining}) on a snapshot of the
 * vectors, and the slots the writer has written or freed since that snapshot. The training
 * computes the centroids and also lays the snapshot's vectors out in its lists (their codes,
 * norms and entries), so that installing it leaves the writer only the slots touched meanwhile:
 * those go to their nearest new centroid (or nowhere) as they are now. The computation reads
 * only the snapshot; everything else here is used on the writer's thread only.
 */
final class PendingTraining {

    /** A done training: what it computed, and the snapshot laid out in its lists. */
    record Prepared(IvfTrainer.Computed computed, IvfLayout.Built built) {
    }

    private final LiveVectors snapshot;
    private final CompletableFuture<Prepared> result;
    private final AtomicBoolean abandoned;
    /** Whether a drift called for it ({@link RetrainPolicy#followUp}). */
    private final boolean afterDrift;
    private final long startNanos;
    /** Slots written or freed since the snapshot: placed again when it is installed. */
    private final BitSet touched = new BitSet();

    private PendingTraining(final LiveVectors snapshot, final CompletableFuture<Prepared> result,
                            final AtomicBoolean abandoned, final boolean afterDrift, final long startNanos) {
        this.snapshot = snapshot;
        this.result = result;
        this.abandoned = abandoned;
        this.afterDrift = afterDrift;
        this.startNanos = startNanos;
    }

    /**
     * Runs {@code trainer} on {@code snapshot} in the training place {@code slot}.
     *
     * @param snapshot the live vectors, taken on the writer's thread (the store's only mutator)
     */
    static PendingTraining start(final BackgroundTraining.Slot slot, final LiveVectors snapshot,
                                 final IvfTrainer trainer, final boolean afterDrift) {
        AtomicBoolean abandoned = new AtomicBoolean();
        CompletableFuture<Prepared> result = slot.run(() -> {
            IvfTrainer.Computed computed = trainer.compute(snapshot, abandoned::get);
            if (abandoned.get()) {
                throw new CancellationException("the index no longer needs this training");
            }
            return new Prepared(computed, trainer.layOut(snapshot, computed));
        });
        return new PendingTraining(snapshot, result, abandoned, afterDrift, System.nanoTime());
    }

    /** The writer wrote or freed {@code slot} (called under its write lock, like the write itself). */
    void touched(final int slot) {
        touched.set(slot);
    }

    boolean isDone() {
        return result.isDone();
    }

    /** Nobody will install it: the training stops at its next k-means iteration. */
    void abandon() {
        abandoned.set(true);
    }

    boolean afterDrift() {
        return afterDrift;
    }

    long startNanos() {
        return startNanos;
    }

    /** Vectors the training was computed on. */
    int snapshotSize() {
        return snapshot.slots().length;
    }

    /** Slots written or freed since the snapshot. Writer thread only. */
    BitSet touched() {
        return touched;
    }

    /**
     * The done training. Writer thread only, once {@link #isDone}.
     *
     * @return {@code null} when the training failed or was cancelled (the index keeps its lists)
     */
    Prepared prepared() {
        try {
            return result.join();
        } catch (CompletionException | CancellationException failed) {
            return null;
        }
    }
}
