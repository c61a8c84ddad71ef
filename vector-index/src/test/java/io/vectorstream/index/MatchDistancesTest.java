package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The nearest matches are taken whole by distance: at least n, ties kept, in the order added. */
class MatchDistancesTest {

    @Test
    void takesAtLeastTheNearestNWithEveryTieInTheOrderAdded() {
        MatchDistances distances = new MatchDistances(10);
        distances.addAll(new int[] {40, 41, 42, 43}, new int[] {7, 2, 9, 2}, 4);
        distances.addAll(new int[] {50, 51, 52}, new int[] {0, 7, 10}, 3);
        assertArrayEquals(new int[] {50}, distances.nearest(1));
        assertArrayEquals(new int[] {41, 43, 50}, distances.nearest(2), "the tie at 2 is taken whole");
        assertArrayEquals(new int[] {41, 43, 50}, distances.nearest(3));
        assertArrayEquals(new int[] {40, 41, 43, 50, 51}, distances.nearest(4));
        assertArrayEquals(new int[] {40, 41, 42, 43, 50, 51, 52}, distances.nearest(100), "fewer held: all of them");
        assertArrayEquals(new int[0], new MatchDistances(10).nearest(5));
    }

    @Test
    void growsPastItsFirstCapacity() {
        MatchDistances distances = new MatchDistances(3);
        int[] slots = new int[1_000];
        int[] near = new int[1_000];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = i;
            near[i] = i == 777 ? 0 : 3;
        }
        distances.addAll(slots, near, slots.length);
        assertArrayEquals(new int[] {777}, distances.nearest(1));
    }
}
