package io.vectorstream.index;

import java.util.Arrays;

/**
 * The nodes a graph search has met, by slot: one array per thread, reused from search to search
 * with a new epoch instead of being cleared (a search of a 200k-node graph meets a few thousand).
 * A byte per slot, cleared once every 255 epochs: a search's marks land at random slots, and a
 * quarter of an int's bytes keeps more of them in the cache.
 */
final class VisitedMarks {

    private static final ThreadLocal<VisitedMarks> PER_THREAD = ThreadLocal.withInitial(VisitedMarks::new);

    private byte[] marks = new byte[0];
    private int epoch;
    private static final int MAX_EPOCH = 255;

    /** This thread's marks, emptied, for slots below {@code slots} (more are taken as they come). */
    static VisitedMarks forThread(final int slots) {
        VisitedMarks visited = PER_THREAD.get();
        visited.start(slots);
        return visited;
    }

    private void start(final int slots) {
        if (marks.length < slots) {
            marks = new byte[Math.max(slots, marks.length * 3 / 2)];
            epoch = 0;
        }
        clear();
    }

    /** Forgets every mark (a new epoch): a search of the next layer meets its nodes afresh. */
    void clear() {
        if (++epoch > MAX_EPOCH) {
            Arrays.fill(marks, (byte) 0);
            epoch = 1;
        }
    }

    /** Marks {@code slot}; returns whether it was not marked yet. */
    boolean mark(final int slot) {
        if (slot >= marks.length) {
            marks = Arrays.copyOf(marks, Math.max(slot + 1, marks.length * 3 / 2));
        }
        if (marks[slot] == (byte) epoch) {
            return false;
        }
        marks[slot] = (byte) epoch;
        return true;
    }
}
