package io.vectorstream.index;

import java.util.Arrays;

/**
 * The vectors a scan of codes ({@link SlotCodes}) cannot rule out, and then their exact scores.
 * The scan offers each vector it reads with the range its exact score lies in, [lower, upper];
 * once {@code capacity} vectors are kept, the capacity-th best lower end is a score that many
 * vectors reach for sure, so a vector whose upper end falls below it cannot be among the best
 * {@code capacity} and is dropped. {@link #rerankInto} then scores the rest exactly, best upper end
 * first, until none left could enter: the result is the exact search's.
 */
final class BoundedCandidates {

    /** What {@link ExactScorer#scoreIfStill} answers for a slot written since the scan read it. */
    static final int CHANGED = 0x7f800001; // a NaN's bits that Float.floatToIntBits never returns

    /**
     * Candidates kept at most: past it the bounds rule out too little (vectors far longer than the
     * query under l2, where the rounding margin grows with their squared lengths) and the scan
     * gives up for the floats' ({@link #add} returns false).
     */
    static final int MAX_CANDIDATES = 1 << 16;

    /** Told to score a slot exactly. */
    interface ExactScorer {
        /**
         * {@code Float.floatToIntBits} of the exact internal score of the vector in {@code slot}, or
         * {@link #CHANGED} when the slot was written since it held {@code key} at {@code version}.
         */
        int scoreIfStill(int slot, Object key, int version);
    }

    /** The {@code capacity} best lower ends: its threshold is what an upper end must reach. */
    private final TopK<Void> floor;
    private int[] slots = new int[64];
    private Object[] keys = new Object[64];
    private int[] versions = new int[64];
    private float[] uppers = new float[64];
    private int size;

    BoundedCandidates(final int capacity) {
        this.floor = new TopK<>(capacity);
    }

    /** A vector whose upper end is below this cannot be among the best: not worth offering. */
    float threshold() {
        return floor.threshold();
    }

    /**
     * Keeps a vector whose exact score lies in {@code [lower, upper]}, read from {@code slot} at
     * {@code version}; returns false when more than {@link #MAX_CANDIDATES} are left.
     */
    boolean add(final int slot, final Object key, final int version, final float lower, final float upper) {
        floor.offer(null, lower);
        if (size == slots.length) {
            dropRuledOut();
            if (size > MAX_CANDIDATES) {
                return false;
            }
            if (size > slots.length / 2) {
                slots = Arrays.copyOf(slots, slots.length * 2);
                keys = Arrays.copyOf(keys, keys.length * 2);
                versions = Arrays.copyOf(versions, versions.length * 2);
                uppers = Arrays.copyOf(uppers, uppers.length * 2);
            }
        }
        slots[size] = slot;
        keys[size] = key;
        versions[size] = version;
        uppers[size++] = upper;
        return true;
    }

    /**
     * Scores the candidates that may still be among the best exactly and offers them to
     * {@code top} (whose capacity is this one's), best upper end first, stopping when the next
     * upper end cannot enter {@code top}. Returns false, with {@code top} partly filled, when a
     * candidate's slot was written since the scan read it: its range, and so the threshold, may be
     * wrong, and the caller searches again without codes.
     */
    @SuppressWarnings("unchecked")
    <K> boolean rerankInto(final TopK<K> top, final ExactScorer scorer) {
        dropRuledOut();
        long[] order = new long[size];
        for (int i = 0; i < size; i++) {
            // Best upper end first: the float's bits, made to sort as ints do, above the index.
            order[i] = (long) sortable(uppers[i]) << 32 | i;
        }
        Arrays.sort(order);
        for (int o = size - 1; o >= 0; o--) {
            int i = (int) order[o];
            float worst = top.threshold(); // negative infinity until top is full: then anything enters
            if (worst != Float.NEGATIVE_INFINITY && uppers[i] <= worst) {
                break; // an upper end that cannot beat the worst kept: neither can the ones after it
            }
            int exact = scorer.scoreIfStill(slots[i], keys[i], versions[i]);
            if (exact == CHANGED) {
                return false;
            }
            top.offer((K) keys[i], Float.intBitsToFloat(exact)); // a NaN is never kept
        }
        return true;
    }

    private void dropRuledOut() {
        float threshold = threshold();
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (uppers[i] >= threshold) {
                slots[kept] = slots[i];
                keys[kept] = keys[i];
                versions[kept] = versions[i];
                uppers[kept++] = uppers[i];
            }
        }
        Arrays.fill(keys, kept, size, null);
        size = kept;
    }

    /** An int that orders as the float does (for the non-NaN floats a score is). */
    private static int sortable(final float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits >= 0 ? bits : bits ^ Integer.MAX_VALUE;
    }
}
