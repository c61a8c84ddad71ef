package io.vectorstream.index;

import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One IVF training running beside the writer ({@link BackgroundTraining}) on a snapshot of the
 * vectors, and the slots the writer has written or freed since that snapshot: once it is done,
 * those go to their nearest new centroid (or nowhere) as they are now, the others to the lists
 * the training computed. The computation reads only the snapshot; everything else here is used
 * on the writer's thread only.
 */
final class PendingTraining {

    /** A done training merged with the writes made while it ran: what the index installs. */
    record Merged(LiveVectors live, int[] assignment, IvfTrainer.Computed computed) {
    }

    private final LiveVectors snapshot;
    private final CompletableFuture<IvfTrainer.Computed> result;
    private final AtomicBoolean abandoned;
    /** Whether a drift called for it ({@link RetrainPolicy#followUp}). */
    private final boolean afterDrift;
    private final long startNanos;
    /** Slots written or freed since the snapshot: placed again when it is installed. */
    private final BitSet touched = new BitSet();

    private PendingTraining(final LiveVectors snapshot, final CompletableFuture<IvfTrainer.Computed> result,
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
        CompletableFuture<IvfTrainer.Computed> result = slot.run(() -> trainer.compute(snapshot, abandoned::get));
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

    /**
     * The done training's lists for every vector as the store holds it now: the snapshot's
     * vectors that were not touched since keep the list computed for them, touched slots that
     * are still live go to their nearest new centroid. Writer thread only, once {@link #isDone}.
     *
     * @return {@code null} when the training failed or was cancelled (the index keeps its lists)
     */
    Merged merged(final SlotStore<?> store, final Metric metric) {
        IvfTrainer.Computed computed;
        try {
            computed = result.join();
        } catch (CompletionException | CancellationException failed) {
            return null;
        }
        int n = snapshot.slots().length;
        int[] slots = new int[n + touched.cardinality()];
        float[][] vectors = new float[slots.length][];
        int[] assignment = new int[slots.length];
        int at = 0;
        for (int i = 0; i < n; i++) {
            if (!touched.get(snapshot.slots()[i])) {
                slots[at] = snapshot.slots()[i];
                vectors[at] = snapshot.vectors()[i];
                assignment[at++] = computed.assignment()[i];
            }
        }
        for (int slot = touched.nextSetBit(0); slot >= 0; slot = touched.nextSetBit(slot + 1)) {
            if (slot < store.highWater() && store.keyAt(slot) != null) {
                float[] vector = store.vectorAt(slot);
                slots[at] = slot;
                vectors[at] = vector;
                assignment[at++] = KMeans.nearest(vector, computed.centroids(), computed.nlist(), metric);
            }
        }
        return new Merged(new LiveVectors(Arrays.copyOf(slots, at), Arrays.copyOf(vectors, at)),
                Arrays.copyOf(assignment, at), computed);
    }
}
