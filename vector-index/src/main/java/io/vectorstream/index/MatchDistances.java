package io.vectorstream.index;

import java.util.Arrays;

/**
 * Slots with a small integer distance each (a Hamming distance between codes), and a histogram of
 * the distances, from which the nearest {@code n} are taken in one pass without sorting.
 */
final class MatchDistances {

    private final int[] histogram;
    private int[] slots = new int[256];
    private int[] distances = new int[256];
    private int size;

    /** @param maxDistance the largest distance that will be added */
    MatchDistances(final int maxDistance) {
        this.histogram = new int[maxDistance + 1];
    }

    void addAll(final int[] blockSlots, final int[] blockDistances, final int n) {
        if (size + n > slots.length) {
            int capacity = Math.max(size + n, slots.length * 2);
            slots = Arrays.copyOf(slots, capacity);
            distances = Arrays.copyOf(distances, capacity);
        }
        for (int i = 0; i < n; i++) {
            slots[size] = blockSlots[i];
            distances[size++] = blockDistances[i];
            histogram[blockDistances[i]]++;
        }
    }

    /**
     * The slots at the smallest distances, at least {@code n} of them (or all there are): every one
     * as near as the farthest taken, in the order they were added.
     */
    int[] nearest(final int n) {
        int radius = 0;
        int within = histogram[0];
        while (within < n && radius + 1 < histogram.length) {
            within += histogram[++radius];
        }
        int[] out = new int[Math.min(within, size)];
        int taken = 0;
        for (int i = 0; i < size && taken < out.length; i++) {
            if (distances[i] <= radius) {
                out[taken++] = slots[i];
            }
        }
        return out;
    }
}
