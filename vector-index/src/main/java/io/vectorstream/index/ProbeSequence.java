package io.vectorstream.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Query-directed multi-probe (Lv et al., VLDB 2007): given the cost of changing each of K hash
 * values (how close the query's projection lies to that hash's boundary), the perturbation sets in
 * increasing total cost, generated lazily with the shift and expand operations on a heap. The first
 * set is always the empty one: the query's own bucket.
 */
final class ProbeSequence {

    private ProbeSequence() {
    }

    /**
     * The {@code count} cheapest sets of hash positions to change, cheapest first.
     *
     * @param costs the cost of changing each position (non-negative)
     */
    static List<int[]> cheapest(final float[] costs, final int count) {
        int k = costs.length;
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(costs[a], costs[b]));
        float[] sorted = new float[k];
        for (int i = 0; i < k; i++) {
            sorted[i] = costs[order[i]];
        }
        List<int[]> out = new ArrayList<>(count);
        out.add(new int[0]);
        // A set is a strictly increasing array of ranks into the sorted costs.
        record Candidate(int[] ranks, float cost) {
        }
        PriorityQueue<Candidate> heap = new PriorityQueue<>((a, b) -> Float.compare(a.cost(), b.cost()));
        if (k > 0) {
            heap.add(new Candidate(new int[] {0}, sorted[0]));
        }
        while (out.size() < count && !heap.isEmpty()) {
            Candidate next = heap.poll();
            int[] positions = new int[next.ranks().length];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = order[next.ranks()[i]];
            }
            out.add(positions);
            int last = next.ranks()[next.ranks().length - 1];
            if (last + 1 < k) {
                int[] shifted = next.ranks().clone();
                shifted[shifted.length - 1] = last + 1;
                heap.add(new Candidate(shifted, next.cost() - sorted[last] + sorted[last + 1]));
                int[] expanded = Arrays.copyOf(next.ranks(), next.ranks().length + 1);
                expanded[expanded.length - 1] = last + 1;
                heap.add(new Candidate(expanded, next.cost() + sorted[last + 1]));
            }
        }
        return out;
    }
}
