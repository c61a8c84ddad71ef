package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Selection finds the k-th largest that a descending sort puts at k - 1, ties and all. */
class SelectionTest {

    @Test
    void agreesWithSortingOnRandomRunsWithAndWithoutTies() {
        Random random = new Random(11);
        for (int round = 0; round < 2_000; round++) {
            int n = 1 + random.nextInt(round < 1_000 ? 40 : 3_000);
            int distinct = 1 + random.nextInt(round % 3 == 0 ? 4 : 1_000_000); // few values: many ties
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = random.nextInt(distinct) - distinct / 2f;
            }
            float[] sorted = values.clone();
            Arrays.sort(sorted);
            int k = 1 + random.nextInt(n);
            float[] work = values.clone();
            assertEquals(sorted[n - k], Selection.kthLargest(work, n, k), "n " + n + ", k " + k);
            Arrays.sort(work);
            assertEquals(Arrays.toString(sorted), Arrays.toString(work), "only reordered");
        }
    }

    @Test
    void looksOnlyAtTheGivenRange() {
        float[] values = {3f, 1f, 2f, 100f, 200f};
        assertEquals(3f, Selection.kthLargest(values, 3, 1));
        assertEquals(1f, Selection.kthLargest(values, 3, 3));
        assertEquals(200f, values[4]);
    }

    @Test
    void sortedAndReversedRunsAndExtremes() {
        int n = 10_000;
        float[] ascending = new float[n];
        for (int i = 0; i < n; i++) {
            ascending[i] = i;
        }
        for (int k : new int[] {1, 2, n / 2, n - 1, n}) {
            assertEquals(n - k, Selection.kthLargest(ascending.clone(), n, k));
            float[] descending = new float[n];
            for (int i = 0; i < n; i++) {
                descending[i] = n - 1 - i;
            }
            assertEquals(n - k, Selection.kthLargest(descending, n, k));
        }
        float[] infinities = {Float.NEGATIVE_INFINITY, 0f, Float.POSITIVE_INFINITY, -0f};
        assertEquals(Float.POSITIVE_INFINITY, Selection.kthLargest(infinities.clone(), 4, 1));
        assertEquals(Float.NEGATIVE_INFINITY, Selection.kthLargest(infinities.clone(), 4, 4));
    }

    @Test
    void refusesKOutsideTheRange() {
        assertThrows(IllegalArgumentException.class, () -> Selection.kthLargest(new float[3], 3, 0));
        assertThrows(IllegalArgumentException.class, () -> Selection.kthLargest(new float[3], 3, 4));
    }
}
