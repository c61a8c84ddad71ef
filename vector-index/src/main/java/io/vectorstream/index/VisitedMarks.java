package io.vectorstream.index;

import java.util.Arrays;

/**
 * The nodes a graph search has met, by slot: one array per thread, reused from search to search
 * with a new epoch instead of being cleared (a search of a 200k-node graph meets a few thousand).
 */
final class VisitedMarks {

    private static final ThreadLocal<VisitedMarks> PER_THREAD = ThreadLocal.withInitial(VisitedMarks::new);

    private int[] marks = new int[0];
    private int epoch;

    /** This thread's marks, emptied, for slots below {@code slots} (more are taken as they come). */
    static VisitedMarks forThread(final int slots) {
        VisitedMarks visited = PER_THREAD.get();
        visited.start(slots);
        return visited;
    }

    private void start(final int slots) {
        if (marks.length < slots) {
            marks = new int[Math.max(slots, marks.length * 3 / 2)];
            epoch = 0;
        }
        clear();
    }

    /** Forgets every mark (a new epoch): a search of the next layer meets its nodes afresh. */
    void clear() {
        if (++epoch == Integer.MAX_VALUE) {
            Arrays.fill(marks, 0);
            epoch = 1;
        }
    }

    /** Marks {@code slot}; returns whether it was not marked yet. */
    boolean mark(final int slot) {
        if (slot >= marks.length) {
            marks = Arrays.copyOf(marks, Math.max(slot + 1, marks.length * 3 / 2));
        }
        if (marks[slot] == epoch) {
            return false;
        }
        marks[slot] = epoch;
        return true;
    }
}
