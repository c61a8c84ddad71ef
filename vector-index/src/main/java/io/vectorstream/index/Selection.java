package io.vectorstream.index;

/**
 * The k-th largest of a run of scores, found in place in linear expected time (quickselect,
 * Hoare's partition). Where a search needs the set of the best, not their order, this replaces a
 * heap: no objects per item and a comparison per item per round instead of a sift per offer.
 */
final class Selection {

    private Selection() {
    }

    /**
     * The {@code k}-th largest of {@code values[0..n)}, {@code 1 <= k <= n}; reorders that range.
     * NaN must not occur.
     */
    static float kthLargest(final float[] values, final int n, final int k) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k = " + k + " outside 1.." + n);
        }
        int target = k - 1; // its index once values[0..n) is in descending order
        int low = 0;
        int high = n - 1;
        while (low < high) {
            float pivot = medianOfThree(values[low], values[(low + high) >>> 1], values[high]);
            int i = low;
            int j = high;
            // Hoare: afterwards [low..j] >= pivot >= [i..high], and j < i.
            while (i <= j) {
                while (values[i] > pivot) {
                    i++;
                }
                while (values[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    float swap = values[i];
                    values[i++] = values[j];
                    values[j--] = swap;
                }
            }
            if (target <= j) {
                high = j;
            } else if (target >= i) {
                low = i;
            } else {
                return values[target]; // between the two parts: equal to the pivot
            }
        }
        return values[target];
    }

    private static float medianOfThree(final float a, final float b, final float c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}
