package io.vectorstream.index;

import java.util.function.Predicate;

/**
 * The slots an exact scoring pass reads, handed over a block at a time: a filter's matches by
 * their ordinals, or the candidates an index found. A block is taken first, outside any stamp,
 * then its live slots are read under the owning index's optimistic stamp (a write in between only
 * makes the pass read the block again).
 */
interface SlotBlocks {

    /** Slots per block at most. */
    int BLOCK = SlotStore.KEY_BLOCK;

    /** Moves to the next block; false at the end. Outside any stamp. */
    boolean advance();

    /**
     * The block's live slots into {@code held} and their keys into {@code keys} (each at least
     * {@link #BLOCK} long); returns how many. Under a stamp: may run again for the same block.
     */
    int live(int[] held, Object[] keys);

    /** The slots of the ordinals {@code ordinals} gives. */
    static SlotBlocks ofOrdinals(final SlotStore<?> store, final OrdinalBatches ordinals) {
        int[] block = new int[BLOCK];
        return new SlotBlocks() {
            private int count;

            @Override
            public boolean advance() {
                count = ordinals.next(block);
                return count > 0;
            }

            @Override
            public int live(final int[] held, final Object[] keys) {
                return store.liveSlotsOf(block, count, held, keys);
            }
        };
    }

    /**
     * The slots of {@code slots} whose key {@code allow} accepts ({@code null}: every one): the
     * filter is asked before a vector is read, which a bitmap look-up costs far less than
     * ({@link SlotStore#keyIfAllowed}).
     */
    static <K> SlotBlocks ofSlots(final SlotStore<K> store, final int[] slots, final Predicate<? super K> allow) {
        return new SlotBlocks() {
            private int from = -BLOCK;

            @Override
            public boolean advance() {
                from += BLOCK;
                return from < slots.length;
            }

            @Override
            public int live(final int[] held, final Object[] keys) {
                int to = Math.min(from + BLOCK, slots.length);
                int high = store.highWater();
                int n = 0;
                for (int i = from; i < to; i++) {
                    int slot = slots[i];
                    Object key = slot < high ? store.keyIfAllowed(slot, allow) : null;
                    if (key != null) {
                        held[n] = slot;
                        keys[n++] = key;
                    }
                }
                return n;
            }
        };
    }
}
