package io.vectorstream.index;

import java.util.Arrays;

/**
 * Slots with their scores, appended block by block, of which a search keeps the best once all
 * are in: {@link #cut} by selection, where a heap would sift (and box the slot) at every offer.
 */
final class ScoredSlots {

    int[] slots;
    float[] scores;
    int size;

    ScoredSlots(final int capacity) {
        slots = new int[Math.max(1, capacity)];
        scores = new float[slots.length];
    }

    /** Makes room for {@code more} beyond {@link #size}. */
    void ensureRoom(final int more) {
        if (size + more > slots.length) {
            int capacity = Math.max(size + more, 2 * slots.length);
            slots = Arrays.copyOf(slots, capacity);
            scores = Arrays.copyOf(scores, capacity);
        }
    }

    /**
     * The score of the {@code wanted}-th best: those at or above it are the {@code wanted} best
     * (with any that tie the last); negative infinity when there are no more than {@code wanted}.
     */
    float cut(final int wanted) {
        if (size <= wanted) {
            return Float.NEGATIVE_INFINITY;
        }
        return Selection.kthLargest(Arrays.copyOf(scores, size), size, wanted);
    }
}
