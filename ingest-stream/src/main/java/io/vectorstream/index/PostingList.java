package io.vectorstream.index;

import java.util.Arrays;

/**
 * One inverted list of IVF: its vectors contiguous in one array, a key per slot, removed slots
 * as tombstones ({@code null} keys) until the list is replaced by a compacted copy. Mutated only
 * under the index's write lock, and then only by appending past {@link #count} or tombstoning: a
 * slot below {@code count} never changes key except to {@code null}. Searches read it under
 * optimistic stamps (see {@link IvfIndex}).
 */
final class PostingList {

    float[] vectors;
    Object[] keys;
    /** 8-bit codes of the vectors ({@link ScalarQuantizer}), or {@code null} when the list keeps none. */
    byte[] codes;
    /** Squared lengths of the vectors, beside the codes (l2 scores from codes need them). */
    float[] squaredNorms;
    /** Slots in use, tombstones included. */
    int count;
    /** Tombstones among them. */
    int tombstones;

    PostingList(final int dimension, final int capacity, final boolean quantized) {
        int slots = Math.max(4, capacity);
        vectors = new float[slots * dimension];
        keys = new Object[slots];
        if (quantized) {
            codes = new byte[slots * dimension];
            squaredNorms = new float[slots];
        }
    }

    int live() {
        return count - tombstones;
    }

    /**
     * Appends a vector; returns its slot.
     *
     * @param code the vector's codes when this list keeps codes, else ignored
     */
    int append(final Object key, final float[] vector, final byte[] code) {
        int dimension = vector.length;
        if (count == keys.length) {
            int slots = keys.length + (keys.length >> 1) + 4;
            vectors = Arrays.copyOf(vectors, slots * dimension);
            keys = Arrays.copyOf(keys, slots);
            if (codes != null) {
                codes = Arrays.copyOf(codes, slots * dimension);
                squaredNorms = Arrays.copyOf(squaredNorms, slots);
            }
        }
        System.arraycopy(vector, 0, vectors, count * dimension, dimension);
        if (codes != null) {
            System.arraycopy(code, 0, codes, count * dimension, dimension);
            squaredNorms[count] = Similarity.dot(vector, vector, 0);
        }
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
     * A new list holding this one's live vectors in order, without tombstones; {@code moved} is told
     * each key's new slot. This list is left as it is: a search scanning it by slot number goes on
     * undisturbed (compacting in place would shift vectors into blocks it had already scanned).
     */
    PostingList compacted(final int dimension, final SlotListener moved) {
        int live = live();
        PostingList out = new PostingList(dimension, Math.max(4, live + (live >> 2)), codes != null);
        float[] newVectors = out.vectors;
        Object[] newKeys = out.keys;
        byte[] newCodes = out.codes;
        float[] newNorms = out.squaredNorms;
        int next = 0;
        for (int slot = 0; slot < count; slot++) {
            if (keys[slot] != null) {
                System.arraycopy(vectors, slot * dimension, newVectors, next * dimension, dimension);
                if (codes != null) {
                    System.arraycopy(codes, slot * dimension, newCodes, next * dimension, dimension);
                    newNorms[next] = squaredNorms[slot];
                }
                newKeys[next] = keys[slot];
                moved.movedTo(keys[slot], next);
                next++;
            }
        }
        out.count = next;
        return out;
    }

    long memoryBytes() {
        long bytes = (long) vectors.length * Float.BYTES + (long) keys.length * 8;
        return codes == null ? bytes : bytes + codes.length + (long) squaredNorms.length * Float.BYTES;
    }

    /** Told where a key went when its list was compacted. */
    interface SlotListener {
        void movedTo(Object key, int slot);
    }
}
