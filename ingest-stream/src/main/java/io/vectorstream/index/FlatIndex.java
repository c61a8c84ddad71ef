package io.vectorstream.index;

import io.vectorstream.schema.Metric;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Predicate;

/**
 * Exact (brute-force) vector search over contiguous float arrays: the ground truth every other
 * index is measured against, and the small-shard path.
 *
 * <p>Storage: vectors live in fixed-size segments of {@value #SEGMENT_SLOTS} slots, each one
 * {@code float[SEGMENT_SLOTS * dimension]}, so a scan walks memory linearly and there is no
 * {@code float[]} object per vector. A removed slot is cleared and reused by a later insert.
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
public final class FlatIndex<K> implements VectorIndex<K> {

    static final int SEGMENT_SLOTS = 1024;
    static final int BLOCK_SLOTS = 256;

    private final int dimension;
    private final Metric metric;
    private final StampedLock lock = new StampedLock();

    // Guarded by lock; read optimistically by searches.
    private float[][] vectors = new float[0][];
    private Object[][] keys = new Object[0][];
    private int highWater;
    private int size;

    // Writer-side bookkeeping, only touched under the write lock.
    private final Map<K, Integer> slotOf = new HashMap<>();
    private int[] freeSlots = new int[16];
    private int freeCount;

    public FlatIndex(final int dimension, final Metric metric) {
        if (dimension <= 0) {
            throw new IllegalArgumentException("dimension must be positive");
        }
        this.dimension = dimension;
        this.metric = metric;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public Metric metric() {
        return metric;
    }

    @Override
    public int size() {
        long stamp = lock.tryOptimisticRead();
        int n = size;
        if (!lock.validate(stamp)) {
            stamp = lock.readLock();
            try {
                n = size;
            } finally {
                lock.unlockRead(stamp);
            }
        }
        return n;
    }

    @Override
    public IndexStats stats() {
        return new IndexStats("flat", size(), true, 0, memoryBytes(), 0);
    }

    /** Bytes of heap the vectors and slot tables take. */
    public long memoryBytes() {
        long stamp = lock.readLock();
        try {
            return (long) vectors.length * SEGMENT_SLOTS * (dimension * Float.BYTES + 8L);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Override
    public void put(final K key, final float[] vector) {
        if (vector.length != dimension) {
            throw new IllegalArgumentException("vector has dimension " + vector.length + ", index has " + dimension);
        }
        long stamp = lock.writeLock();
        try {
            Integer existing = slotOf.get(key);
            int slot;
            if (existing != null) {
                slot = existing;
            } else {
                slot = freeCount > 0 ? freeSlots[--freeCount] : highWater++;
                ensureCapacity(slot);
                slotOf.put(key, slot);
                size++;
            }
            int segment = slot / SEGMENT_SLOTS;
            int inSegment = slot % SEGMENT_SLOTS;
            System.arraycopy(vector, 0, vectors[segment], inSegment * dimension, dimension);
            keys[segment][inSegment] = key;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    public boolean remove(final K key) {
        long stamp = lock.writeLock();
        try {
            Integer slot = slotOf.remove(key);
            if (slot == null) {
                return false;
            }
            keys[slot / SEGMENT_SLOTS][slot % SEGMENT_SLOTS] = null;
            if (freeCount == freeSlots.length) {
                freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
            }
            freeSlots[freeCount++] = slot;
            size--;
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The exact {@code k} nearest: every vector is scored; {@code params} changes nothing here. */
    @Override
    public List<Hit<K>> search(final float[] query, final int k, final SearchParams params,
                               final Predicate<? super K> allow) {
        if (query.length != dimension) {
            throw new IllegalArgumentException("query has dimension " + query.length + ", index has " + dimension);
        }
        float[] q = metric == Metric.COSINE ? Similarity.normalized(query) : query;
        TopK<K> top = new TopK<>(k);
        float[] blockScores = new float[BLOCK_SLOTS];
        Object[] blockKeys = new Object[BLOCK_SLOTS];
        int end = readHighWater();
        for (int start = 0; start < end; start += BLOCK_SLOTS) {
            int n = scanBlockConsistently(q, start, blockScores, blockKeys);
            for (int i = 0; i < n; i++) {
                @SuppressWarnings("unchecked") K key = (K) blockKeys[i];
                if (allow == null || allow.test(key)) {
                    top.offer(key, blockScores[i]);
                }
                blockKeys[i] = null;
            }
        }
        return top.drainBestFirst(metric);
    }

    private int readHighWater() {
        long stamp = lock.readLock();
        try {
            return highWater;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private int scanBlockConsistently(final float[] q, final int start, final float[] scores, final Object[] out) {
        return Optimistic.read(lock, () -> scanBlock(q, start, scores, out));
    }

    /** Scores the live slots of one block (never across segments); returns how many it wrote. */
    private int scanBlock(final float[] q, final int start, final float[] scores, final Object[] out) {
        int segment = start / SEGMENT_SLOTS;
        int from = start % SEGMENT_SLOTS;
        int to = from + Math.min(BLOCK_SLOTS, highWater - start);
        return Optimistic.scoreSlots(metric, q, vectors[segment], keys[segment], from, to, scores, out);
    }

    private void ensureCapacity(final int slot) {
        int segment = slot / SEGMENT_SLOTS;
        if (segment < vectors.length) {
            return;
        }
        float[][] grownVectors = Arrays.copyOf(vectors, segment + 1);
        Object[][] grownKeys = Arrays.copyOf(keys, segment + 1);
        grownVectors[segment] = new float[SEGMENT_SLOTS * dimension];
        grownKeys[segment] = new Object[SEGMENT_SLOTS];
        vectors = grownVectors;
        keys = grownKeys;
    }
}
