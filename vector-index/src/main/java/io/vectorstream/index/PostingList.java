package io.vectorstream.index;

import java.util.Arrays;

/**
 * One inverted list of IVF: for each entry the slot of its vector in the index's {@link SlotStore}
 * and, when the index quantises, the vector's 8-bit codes and squared length, contiguous. The float
 * vectors themselves live once, in the slot store: a list holds a quarter of their bytes, so a
 * list scan reads little and a list that grows copies little.
 *
 * <p>Removed entries are tombstones (slot {@code -1}) until the list is replaced by a compacted copy.
 * Mutated only under the index's write lock, and then only by appending past {@link #count} or
 * tombstoning: an entry below {@code count} never changes except to a tombstone. Searches read it
 * under optimistic stamps (see {@link IvfIndex}).
 */
final class PostingList {

    static final int TOMBSTONE = -1;

    /** Slot in the index's slot store of each entry's vector, or {@link #TOMBSTONE}. */
    int[] slots;
    /** 8-bit codes of the vectors ({@link ScalarQuantizer}), or {@code null} when the list keeps none. */
    byte[] codes;
    /** Squared lengths of the vectors, beside the codes under l2 (whose scores from codes need them), else {@code null}. */
    float[] squaredNorms;
    /** Entries in use, tombstones included. */
    int count;
    /** Tombstones among them. */
    int tombstones;
    private final int dimension;

    /**
     * @param quantized    whether entries keep 8-bit codes
     * @param squaredNorms whether they keep squared lengths too (l2 with codes)
     */
    PostingList(final int dimension, final int capacity, final boolean quantized, final boolean squaredNorms) {
        this.dimension = dimension;
        int entries = Math.max(4, capacity);
        slots = new int[entries];
        if (quantized) {
            codes = new byte[entries * dimension];
        }
        if (quantized && squaredNorms) {
            this.squaredNorms = new float[entries];
        }
    }

    int live() {
        return count - tombstones;
    }

    /**
     * Appends an entry; returns its index in the list. Lists grow by a sixteenth (and 4 entries):
     * they are sized at training, only codes and slots are copied when one grows, and the codes
     * are a quarter of the index's memory, so headroom is what keeps it within 30% of the floats.
     *
     * @param code the vector's codes when this list keeps codes, else ignored
     */
    int append(final int slot, final byte[] code, final float squaredNorm) {
        if (count == slots.length) {
            int entries = slots.length + (slots.length >> 4) + 4;
            slots = Arrays.copyOf(slots, entries);
            if (codes != null) {
                codes = Arrays.copyOf(codes, entries * dimension);
            }
            if (squaredNorms != null) {
                squaredNorms = Arrays.copyOf(squaredNorms, entries);
            }
        }
        if (codes != null) {
            System.arraycopy(code, 0, codes, count * dimension, dimension);
        }
        if (squaredNorms != null) {
            squaredNorms[count] = squaredNorm;
        }
        slots[count] = slot;
        return count++;
    }

    void tombstone(final int entry) {
        slots[entry] = TOMBSTONE;
        tombstones++;
    }

    /** Whether compaction would pay: a quarter of the list is dead. */
    boolean needsCompaction() {
        return tombstones > 16 && tombstones * 4 > count;
    }

    /**
     * A new list holding this one's live entries in order, without tombstones; {@code moved} is told
     * each slot's new entry. This list is left as it is: a search scanning it by entry goes on
     * undisturbed (compacting in place would shift entries into blocks it had already scanned).
     */
    PostingList compacted(final SlotListener moved) {
        int live = live();
        PostingList out = new PostingList(dimension, live + (live >> 3), codes != null, squaredNorms != null);
        int next = 0;
        for (int entry = 0; entry < count; entry++) {
            if (slots[entry] != TOMBSTONE) {
                if (codes != null) {
                    System.arraycopy(codes, entry * dimension, out.codes, next * dimension, dimension);
                }
                if (squaredNorms != null) {
                    out.squaredNorms[next] = squaredNorms[entry];
                }
                out.slots[next] = slots[entry];
                moved.movedTo(slots[entry], next);
                next++;
            }
        }
        out.count = next;
        return out;
    }

    long memoryBytes() {
        return (long) slots.length * Integer.BYTES + (codes == null ? 0 : codes.length)
                + (squaredNorms == null ? 0 : (long) squaredNorms.length * Float.BYTES);
    }

    /** Told where a slot's entry went when its list was compacted. */
    interface SlotListener {
        void movedTo(int slot, int entry);
    }
}
