package io.vectorstream.index;

import java.util.Arrays;

/**
 * One inverted list of IVF: its vectors contiguous in one array, a key per slot, removed slots
 * as tombstones ({@code null} keys) until the list is compacted. Mutated only under the index's
 * write lock; searches read it under optimistic stamps (see {@link IvfIndex}).
 */
final class PostingList {

    float[] vectors;
    Object[] keys;
    /** Slots in use, tombstones included. */
    int count;
    /** Tombstones among them. */
    int tombstones;

    PostingList(final int dimension, final int capacity) {
        int slots = Math.max(4, capacity);
        vectors = new float[slots * dimension];
        keys = new Object[slots];
    }

    int live() {
        return count - tombstones;
    }

    /** Appends a vector; returns its slot. */
    int append(final Object key, final float[] vector) {
        int dimension = vector.length;
        if (count == keys.length) {
            int slots = keys.length + (keys.length >> 1) + 4;
            vectors = Arrays.copyOf(vectors, slots * dimension);
            keys = Arrays.copyOf(keys, slots);
        }
        System.arraycopy(vector, 0, vectors, count * dimension, dimension);
        keys[count] = key;
        return count++;
    }

    void tombstone(final int slot) {
        keys[slot] = null;
        tombstones++;
    }

    /** Whether compaction would pay: a quarter of the list is dead. */
    boolean needsCompaction() {
        return tombstones > 16 && tombstones * 4 > count;
    }

    /**
     * Drops the tombstones, keeping order; {@code moved} is told each key's new slot.
     */
    void compact(final int dimension, final SlotListener moved) {
        int live = live();
        float[] newVectors = new float[Math.max(4, live + (live >> 2)) * dimension];
        Object[] newKeys = new Object[Math.max(4, live + (live >> 2))];
        int next = 0;
        for (int slot = 0; slot < count; slot++) {
            if (keys[slot] != null) {
                System.arraycopy(vectors, slot * dimension, newVectors, next * dimension, dimension);
                newKeys[next] = keys[slot];
                moved.movedTo(keys[slot], next);
                next++;
            }
        }
        vectors = newVectors;
        keys = newKeys;
        count = next;
        tombstones = 0;
    }

    long memoryBytes() {
        return (long) vectors.length * Float.BYTES + (long) keys.length * 8;
    }

    /** Told where a key went when its list was compacted. */
    interface SlotListener {
        void movedTo(Object key, int slot);
    }
}
