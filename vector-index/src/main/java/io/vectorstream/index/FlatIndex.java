package io.vectorstream.index;

import java.util.List;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Predicate;

/**
 * Exact (brute-force) vector search over contiguous float arrays ({@link SlotStore}): the ground
 * truth every other index is measured against, and the small-shard path. With {@code sq8} (the
 * default) it scans 8-bit codes of the vectors and scores from the floats only those the codes'
 * error bounds cannot rule out ({@link SlotCodes}): the answers are still exact, for a quarter of
 * the bytes read.
 *
 * <p>Concurrency: one writer, any number of readers. Writers take a {@link StampedLock}'s write lock
 * only for the few microseconds of one slot's update. A search scans in blocks of
 * {@value #BLOCK_SLOTS} slots, each under an optimistic read stamp; a block whose stamp a write
 * invalidated is scanned again under the read lock, which holds the writer back for one block at
 * most. Results are therefore never computed from a half-written vector (no torn reads), and a
 * search never blocks the writer for more than one block.
 *
 * @param <K> the key a vector is stored under (a chunk's identity)
 */
public final class FlatIndex<K> extends BaseIndex<K> {

    static final int BLOCK_SLOTS = SlotStore.SCAN_BLOCK_SLOTS;

    private final SlotStore<K> slots;

    /** A flat index with the default parameters (8-bit codes kept). */
    public FlatIndex(final int dimension, final Metric metric) {
        this(dimension, metric, FlatParams.DEFAULT);
    }

    public FlatIndex(final int dimension, final Metric metric, final FlatParams params) {
        super(dimension, metric);
        this.slots = new SlotStore<>(dimension, params.sq8());
    }

    @Override
    public String kind() {
        return "flat";
    }

    @Override
    public int size() {
        return Optimistic.read(lock, slots::size);
    }

    @Override
    public void put(final K key, final float[] vector) {
        checkDimension(vector);
        long stamp = lock.writeLock();
        try {
            slots.put(key, vector);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    public boolean remove(final K key) {
        long stamp = lock.writeLock();
        try {
            return slots.remove(key) >= 0;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The exact {@code k} nearest: every vector is scored; {@code params} changes nothing here. */
    @Override
    protected List<Hit<K>> searchPrepared(final float[] q, final int k, final SearchParams params,
                                          final Predicate<? super K> allow) {
        TopK<K> top = new TopK<>(k + DUPLICATE_MARGIN);
        slots.scanInto(lock, metric, q, top, allow);
        return distinct(top.drainBestFirst(metric), k);
    }

    @Override
    public IndexStats stats() {
        return new IndexStats("flat", size(), true, false, 0, memoryBytes(), 0);
    }

    /** Bytes of heap the vectors and slot tables take. */
    public long memoryBytes() {
        long stamp = lock.readLock();
        try {
            return slots.memoryBytes();
        } finally {
            lock.unlockRead(stamp);
        }
    }


    @Override
    protected SlotStore<K> slotStore() {
        return slots;
    }
}
