package io.vectorstream.index;

import java.util.Arrays;

/**
 * How many probed buckets of an {@link LshIndex} search each slot was met in: one array per
 * thread, each entry a search's epoch (high byte) and its count (low byte), so that a new search
 * starts by taking the next epoch instead of clearing the array, and a slot is taken as a
 * candidate the moment its count reaches the minimum. A search costs what it meets, not a pass
 * over (and an allocation of) a count for every slot of the shard.
 */
final class CollisionCounts {

    private static final ThreadLocal<CollisionCounts> PER_THREAD = ThreadLocal.withInitial(CollisionCounts::new);
    private static final int MAX_EPOCH = 255;

    private short[] counts = new short[0];
    private int epoch;
    private int minimum;
    private int[] candidates = new int[256];
    private int candidateCount;

    /** This thread's counts. */
    static CollisionCounts forThread() {
        return PER_THREAD.get();
    }

    /**
     * Starts a search of a store whose slots are below {@code slots}, taking as candidates the
     * slots met at least {@code minimumCount} times (at most 127).
     */
    void start(final int slots, final int minimumCount) {
        if (counts.length < slots) {
            counts = new short[Math.max(slots, counts.length * 3 / 2)];
            epoch = 0;
        }
        if (++epoch > MAX_EPOCH) {
            Arrays.fill(counts, (short) 0);
            epoch = 1;
        }
        minimum = minimumCount;
        candidateCount = 0;
    }

    /** Counts one more meeting for each of {@code slots[from .. from + n)}. */
    void count(final int[] slots, final int from, final int n) {
        short[] c = counts;
        int mark = epoch << 8;
        for (int i = from; i < from + n; i++) {
            int slot = slots[i];
            if (slot >= c.length) {
                counts = c = Arrays.copyOf(c, Math.max(slot + 1, c.length * 3 / 2));
            }
            int entry = c[slot] & 0xFFFF;
            int count = (entry & 0xFF00) == mark ? (entry & 0xFF) + 1 : 1;
            if (count <= minimum) {
                c[slot] = (short) (mark | count);
                if (count == minimum) {
                    if (candidateCount == candidates.length) {
                        candidates = Arrays.copyOf(candidates, candidateCount * 2);
                    }
                    candidates[candidateCount++] = slot;
                }
            }
        }
    }

    /** The slots met at least the minimum number of times, in ascending order (the store walked forwards). */
    int[] candidates() {
        int[] taken = Arrays.copyOf(candidates, candidateCount);
        Arrays.sort(taken);
        return taken;
    }
}
