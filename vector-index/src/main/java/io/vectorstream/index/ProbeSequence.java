package io.vectorstream.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Query-directed multi-probe (Lv et al., VLDB 2007): given the cost of changing each of K hash
 * values (how close the query's projection lies to that hash's boundary), the perturbation sets in
 * increasing total cost, generated lazily with the shift and expand operations on a heap. The first
 * set is always the empty one: the query's own bucket.
 *
 * <p>A set is a bit mask (K is at most 62): of ranks into the sorted costs on the heap, of hash
 * positions in the answer. A search asks for a few dozen sets in each of a few dozen tables, so
 * the heap is two primitive arrays, not objects.
 */
final class ProbeSequence {

    private ProbeSequence() {
    }

    /**
     * The {@code count} cheapest sets of hash positions to change, cheapest first, as masks of
     * positions (bit j: change hash j).
     *
     * @param costs the cost of changing each position (non-negative), {@code costs[from .. from + k)}
     */
    static long[] cheapestMasks(final float[] costs, final int from, final int k, final int count) {
        int[] order = new int[k];
        float[] sorted = new float[k];
        for (int i = 0; i < k; i++) { // insertion sort: K is a dozen or so
            float cost = costs[from + i];
            int j = i - 1;
            while (j >= 0 && sorted[j] > cost) {
                sorted[j + 1] = sorted[j];
                order[j + 1] = order[j];
                j--;
            }
            sorted[j + 1] = cost;
            order[j + 1] = i;
        }
        long[] out = new long[count];
        int n = 1; // out[0] = 0: the query's own bucket
        Heap heap = new Heap(2 * count + 2);
        if (k > 0) {
            heap.push(sorted[0], 1L);
        }
        while (n < count && heap.size > 0) {
            float cost = heap.costs[0];
            long ranks = heap.sets[0];
            heap.pop();
            long positions = 0;
            for (long r = ranks; r != 0; r &= r - 1) {
                positions |= 1L << order[Long.numberOfTrailingZeros(r)];
            }
            out[n++] = positions;
            int last = 63 - Long.numberOfLeadingZeros(ranks);
            if (last + 1 < k) {
                long next = 1L << (last + 1);
                heap.push(cost - sorted[last] + sorted[last + 1], ranks & ~(1L << last) | next); // shift
                heap.push(cost + sorted[last + 1], ranks | next); // expand
            }
        }
        return n == count ? out : Arrays.copyOf(out, n);
    }

    /** {@link #cheapestMasks} as arrays of positions, each in the order of its cost (for tests). */
    static List<int[]> cheapest(final float[] costs, final int count) {
        List<int[]> out = new ArrayList<>();
        for (long mask : cheapestMasks(costs, 0, costs.length, count)) {
            int[] positions = new int[Long.bitCount(mask)];
            int i = 0;
            for (long m = mask; m != 0; m &= m - 1) {
                positions[i++] = Long.numberOfTrailingZeros(m);
            }
            // cheapest change first, as the ranks had them
            for (int a = 1; a < positions.length; a++) {
                int p = positions[a];
                int b = a - 1;
                while (b >= 0 && costs[positions[b]] > costs[p]) {
                    positions[b + 1] = positions[b];
                    b--;
                }
                positions[b + 1] = p;
            }
            out.add(positions);
        }
        return out;
    }

    /** A min-heap of (cost, set) pairs. */
    private static final class Heap {
        final float[] costs;
        final long[] sets;
        int size;

        Heap(final int capacity) {
            costs = new float[capacity];
            sets = new long[capacity];
        }

        void push(final float cost, final long set) {
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (costs[parent] <= cost) {
                    break;
                }
                costs[i] = costs[parent];
                sets[i] = sets[parent];
                i = parent;
            }
            costs[i] = cost;
            sets[i] = set;
        }

        void pop() {
            float cost = costs[--size];
            long set = sets[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && costs[child + 1] < costs[child]) {
                    child++;
                }
                if (costs[child] >= cost) {
                    break;
                }
                costs[i] = costs[child];
                sets[i] = sets[child];
                i = child;
            }
            costs[i] = cost;
            sets[i] = set;
        }
    }
}
