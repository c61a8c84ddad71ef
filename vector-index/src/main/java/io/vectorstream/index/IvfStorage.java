package io.vectorstream.index;

import static io.vectorstream.index.IvfLayout.entryOf;
import static io.vectorstream.index.IvfLayout.listOf;
import static io.vectorstream.index.IvfLayout.pack;

import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.locks.StampedLock;

/**
 * What an {@link IvfIndex} holds, and every change to it: each vector once in a {@link SlotStore},
 * an entry for it in one list of the current {@link IvfLayout}, and per slot the position of that
 * entry. One writer changes it, each change under the index's write lock and only for one append
 * or tombstone (or the swap of a whole layout), so searches reading it under optimistic stamps
 * ({@link IvfSearcher}) never see half a write.
 */
final class IvfStorage<K> {

    private final int dimension;
    private final Metric metric;
    private final StampedLock lock;
    /** Every vector, once, in numbered slots; the lists refer to them by slot. */
    private final SlotStore<K> store;
    /** Centroids, lists and the quantiser (when sq8); replaced as a whole when the index is (re)trained. */
    private volatile IvfLayout layout;
    /**
     * Per slot of the store: the (list, entry) that holds it, packed ({@link IvfLayout#pack}).
     * Changed by the writer under the write lock; read by searches under optimistic stamps.
     */
    private long[] positions = new long[0];
    private volatile int size;

    /** @param lock the index's lock, which its searches read under */
    IvfStorage(final int dimension, final Metric metric, final StampedLock lock) {
        this.dimension = dimension;
        this.metric = metric;
        this.lock = lock;
        this.store = new SlotStore<>(dimension);
        this.layout = IvfLayout.untrained(dimension);
    }

    SlotStore<K> store() {
        return store;
    }

    IvfLayout layout() {
        return layout;
    }

    int size() {
        return size;
    }

    /** The packed (list, entry) of a held slot, in the current layout; read under a stamp of the lock. */
    long positionOf(final int slot) {
        return positions[slot];
    }

    /**
     * Stores {@code vector} under {@code key} and appends its entry to list {@code list} of
     * {@code current}, the layout the caller read to choose the list and make the codes; a vector
     * already stored under the key is replaced in place (same slot, old entry tombstoned).
     *
     * @param code its 8-bit codes when {@code current} quantises, else {@code null}
     * @return the slot written
     */
    int put(final IvfLayout current, final K key, final float[] vector, final int list, final byte[] code,
            final float squaredNorm) {
        long stamp = lock.writeLock();
        try {
            int stored = store.put(key, vector);
            int slot;
            if (stored < 0) {
                // Replaced in place: its old entry goes, the new one points at the same slot.
                slot = -1 - stored;
                long previous = positions[slot];
                tombstone(current, previous);
                compactIfNeeded(current, listOf(previous));
            } else {
                slot = stored;
                size++;
            }
            if (stored >= 0) {
                if (slot >= positions.length) {
                    // One store segment at a time, as the store grows: no headroom to pay for, and
                    // a copy every 1,024 new slots costs little next to indexing them.
                    positions = Arrays.copyOf(positions,
                            (slot / SlotStore.SEGMENT_SLOTS + 1) * SlotStore.SEGMENT_SLOTS);
                }
            }
            int entry = current.lists()[list].append(slot, code, squaredNorm);
            positions[slot] = pack(list, entry);
            compactIfNeeded(current, list);
            return slot;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Frees the slot of {@code key} and tombstones its entry; returns the slot, or {@code -1} when not stored. */
    int remove(final K key) {
        long stamp = lock.writeLock();
        try {
            int slot = store.remove(key);
            if (slot < 0) {
                return -1;
            }
            long previous = positions[slot];
            tombstone(layout, previous);
            compactIfNeeded(layout, listOf(previous));
            size--;
            return slot;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Swaps in a layout of {@code nlist} lists holding every live vector in the list {@code assignment}
     * names. The layout is built aside without the lock; layout and positions change together
     * under the write lock, so a search sees the old lists or the new ones, never a mix.
     */
    void install(final LiveVectors live, final float[] centroids, final int nlist, final int[] assignment,
                 final ScalarQuantizer quantizer) {
        long[] newPositions = new long[positions.length];
        IvfLayout trained = IvfLayout.assigned(dimension, metric, live, centroids, nlist, assignment, quantizer,
                newPositions);
        swap(trained, newPositions);
    }

    /**
     * Swaps in a layout built beside the writer for a snapshot of the vectors, once it has placed
     * again the slots {@code touched} since that snapshot: a touched slot's snapshot entry is
     * tombstoned, and the slot, if still live, appended to its nearest list as it is now. Writer
     * thread only; the layout is amended aside (no search sees it yet), then swapped in with its
     * positions under the write lock.
     */
    void installBuilt(final IvfLayout.Built built, final BitSet touched) {
        IvfLayout next = built.layout();
        long[] snapshotPositions = built.positions();
        long[] newPositions = Arrays.copyOf(snapshotPositions, Math.max(snapshotPositions.length, positions.length));
        ScalarQuantizer quantizer = next.quantizer();
        byte[] code = quantizer == null ? null : new byte[dimension];
        for (int slot = touched.nextSetBit(0); slot >= 0; slot = touched.nextSetBit(slot + 1)) {
            if (slot < snapshotPositions.length && snapshotPositions[slot] >= 0) {
                tombstone(next, snapshotPositions[slot]);
            }
            if (slot >= store.highWater() || store.keyAt(slot) == null) {
                if (slot < newPositions.length) {
                    newPositions[slot] = -1; // freed meanwhile: in no list
                }
            } else {
                float[] vector = store.vectorAt(slot);
                int list = KMeans.nearest(vector, next.centroids(), next.nlist(), metric);
                if (quantizer != null) {
                    quantizer.encode(vector, code, 0);
                }
                int entry = next.lists()[list].append(slot, code, Similarity.dot(vector, vector, 0));
                newPositions[slot] = pack(list, entry);
            }
        }
        for (int list = 0; list < next.nlist(); list++) {
            compactIfNeeded(next, list, newPositions);
        }
        swap(next, newPositions);
    }

    /** Layout and positions change together, under the write lock: a search sees old or new, never a mix. */
    private void swap(final IvfLayout next, final long[] nextPositions) {
        long stamp = lock.writeLock();
        try {
            layout = next;
            positions = nextPositions;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Bytes of the vectors and of the slots' positions (the layout counts its own). */
    long memoryBytes() {
        return store.memoryBytes() + (long) positions.length * Long.BYTES;
    }

    private void tombstone(final IvfLayout current, final long packed) {
        current.lists()[listOf(packed)].tombstone(entryOf(packed));
    }

    private void compactIfNeeded(final IvfLayout current, final int list) {
        // Called under the write lock; readers holding the old list keep a consistent one.
        compactIfNeeded(current, list, positions);
    }

    private static void compactIfNeeded(final IvfLayout current, final int list, final long[] positionsOf) {
        PostingList postings = current.lists()[list];
        if (postings.needsCompaction()) {
            current.lists()[list] = postings.compacted((slot, entry) -> positionsOf[slot] = pack(list, entry));
        }
    }
}
