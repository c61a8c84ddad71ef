package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An inverted list keeps, entry by entry and in append order, the slot, codes and squared length it
 * was given, through growth past its capacity, tombstoning and compaction, like a plain list of
 * records; compaction drops exactly the tombstones, reports every move and leaves the original alone.
 */
class PostingListTest {

    /** One entry as the reference keeps it; {@code slot == TOMBSTONE} once removed. */
    private static final class Entry {
        int slot;
        final byte[] code;
        final float squaredNorm;

        Entry(final int slot, final byte[] code, final float squaredNorm) {
            this.slot = slot;
            this.code = code;
            this.squaredNorm = squaredNorm;
        }
    }

    private static byte[] code(final Random random, final int dimension) {
        byte[] code = new byte[dimension];
        random.nextBytes(code);
        return code;
    }

    /** The list holds exactly the reference's entries, in order, with their codes and lengths. */
    private static void assertMatches(final List<Entry> reference, final PostingList list, final int dimension,
                                      final boolean quantized, final boolean norms, final String where) {
        assertEquals(reference.size(), list.count, "count " + where);
        long dead = reference.stream().filter(e -> e.slot == PostingList.TOMBSTONE).count();
        assertEquals(dead, list.tombstones, "tombstones " + where);
        assertEquals(reference.size() - dead, list.live(), "live " + where);
        assertTrue(list.slots.length >= list.count, "capacity " + where);
        for (int entry = 0; entry < reference.size(); entry++) {
            Entry expected = reference.get(entry);
            assertEquals(expected.slot, list.slots[entry], "slot of entry " + entry + " " + where);
            if (quantized) {
                assertArrayEquals(expected.code,
                        Arrays.copyOfRange(list.codes, entry * dimension, (entry + 1) * dimension),
                        "codes of entry " + entry + " " + where);
            }
            if (norms) {
                assertEquals(expected.squaredNorm, list.squaredNorms[entry], "norm of entry " + entry + " " + where);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"false,false", "true,false", "true,true"})
    void agreesWithAReferenceListUnderRandomAppendsTombstonesAndCompactions(final boolean quantized,
                                                                          final boolean norms) {
        Random random = new Random(29);
        int dimension = 7; // odd, so a code offset off by an entry cannot line up by accident
        PostingList list = new PostingList(dimension, 5, quantized, norms);
        List<Entry> reference = new ArrayList<>();
        int nextSlot = 0;
        int compactions = 0;
        int grewPast = 0;
        for (int op = 0; op < 12_000; op++) {
            // Phases of mostly appending (growth) and of heavy removal (compactions).
            double removal = (op / 500) % 3 == 0 ? 0.1 : (op / 500) % 3 == 1 ? 0.45 : 0.6;
            int victim = -1;
            if (!reference.isEmpty() && random.nextDouble() < removal) {
                for (int tries = 0; tries < 20 && victim < 0; tries++) {
                    int entry = random.nextInt(reference.size());
                    if (reference.get(entry).slot != PostingList.TOMBSTONE) {
                        victim = entry;
                    }
                }
            }
            if (victim >= 0) {
                list.tombstone(victim);
                reference.get(victim).slot = PostingList.TOMBSTONE;
            } else {
                byte[] code = code(random, dimension);
                float norm = random.nextFloat() * 10;
                int slot = nextSlot++;
                int capacity = list.slots.length;
                int entry = list.append(slot, code, norm);
                assertEquals(reference.size(), entry, "append returns the new entry's index");
                reference.add(new Entry(slot, code.clone(), norm));
                code[0]++; // the list must have copied the codes, not kept the caller's array
                if (list.slots.length > capacity) {
                    grewPast++;
                }
            }
            if (list.needsCompaction()) {
                Map<Integer, Integer> moved = new HashMap<>();
                PostingList before = list;
                int[] slotsBefore = Arrays.copyOf(list.slots, list.count);
                int countBefore = list.count;
                PostingList compacted = list.compacted((slot, entry) ->
                        assertNull(moved.put(slot, entry), "slot " + slot + " moved twice"));
                // The old list is untouched: a search scanning it goes on undisturbed.
                assertEquals(countBefore, before.count);
                assertArrayEquals(slotsBefore, Arrays.copyOf(before.slots, before.count));
                assertMatches(reference, before, dimension, quantized, norms, "old list after compaction at op " + op);

                List<Entry> survivors = new ArrayList<>();
                for (Entry e : reference) {
                    if (e.slot != PostingList.TOMBSTONE) {
                        survivors.add(e);
                    }
                }
                assertEquals(survivors.size(), moved.size(), "every survivor is reported once");
                for (int i = 0; i < survivors.size(); i++) {
                    assertEquals(i, moved.get(survivors.get(i).slot), "new entry of slot " + survivors.get(i).slot);
                }
                reference = survivors;
                list = compacted;
                assertMatches(reference, list, dimension, quantized, norms, "compacted at op " + op);
                assertFalse(list.needsCompaction(), "a compacted list has no tombstones");
                compactions++;
            }
            if (op % 211 == 0) {
                assertMatches(reference, list, dimension, quantized, norms, "at op " + op);
            }
        }
        assertMatches(reference, list, dimension, quantized, norms, "at the end");
        assertTrue(compactions > 10, "the run compacted only " + compactions + " times");
        assertTrue(list.count > 100, "the run ended with only " + list.count + " entries");
        assertTrue(grewPast > 0, "the list never grew");
    }

    @Test
    void keepsOnlyTheArraysItWasAskedFor() {
        PostingList plain = new PostingList(8, 10, false, false);
        assertNull(plain.codes);
        assertNull(plain.squaredNorms);
        plain.append(3, null, 0f); // codes are ignored when it keeps none

        PostingList codesOnly = new PostingList(8, 10, true, false);
        assertNotNull(codesOnly.codes);
        assertNull(codesOnly.squaredNorms, "norms only beside codes");

        PostingList normsWithoutCodes = new PostingList(8, 10, false, true);
        assertNull(normsWithoutCodes.codes);
        assertNull(normsWithoutCodes.squaredNorms, "norms only beside codes");

        PostingList both = new PostingList(8, 10, true, true);
        assertEquals(both.slots.length * 8, both.codes.length);
        assertEquals(both.slots.length, both.squaredNorms.length);
        assertEquals((long) both.slots.length * (Integer.BYTES + 8 + Float.BYTES), both.memoryBytes());
        assertEquals((long) plain.slots.length * Integer.BYTES, plain.memoryBytes());
    }

    @Test
    void growsPastItsCapacityByASixteenthAndFourKeepingEveryEntry() {
        int dimension = 3;
        PostingList list = new PostingList(dimension, 160, true, true);
        assertEquals(160, list.slots.length);
        for (int i = 0; i < 160; i++) {
            list.append(1_000 + i, new byte[] {(byte) i, (byte) -i, 7}, i * 0.5f);
        }
        assertEquals(160, list.slots.length, "full, not yet grown");
        list.append(5, new byte[] {1, 2, 3}, 9f);
        assertEquals(160 + 10 + 4, list.slots.length, "grew by a sixteenth and 4 entries");
        assertEquals(list.slots.length * dimension, list.codes.length);
        assertEquals(list.slots.length, list.squaredNorms.length);
        for (int i = 0; i < 160; i++) {
            assertEquals(1_000 + i, list.slots[i]);
            assertArrayEquals(new byte[] {(byte) i, (byte) -i, 7}, Arrays.copyOfRange(list.codes, i * 3, i * 3 + 3));
            assertEquals(i * 0.5f, list.squaredNorms[i]);
        }
        assertEquals(5, list.slots[160]);
        assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOfRange(list.codes, 480, 483));
        assertEquals(9f, list.squaredNorms[160]);
    }

    @Test
    void aTinyOrZeroCapacityStillHoldsFourAndGrows() {
        PostingList list = new PostingList(2, 0, false, false);
        assertEquals(4, list.slots.length);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, list.append(i * 3, null, 0f));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(i * 3, list.slots[i]);
        }
    }

    @Test
    void needsCompactionOnceMoreThanSixteenAndMoreThanAQuarterAreTombstones() {
        PostingList list = new PostingList(1, 64, false, false);
        for (int i = 0; i < 64; i++) {
            list.append(i, null, 0f);
        }
        for (int i = 0; i < 16; i++) {
            list.tombstone(i);
            assertFalse(list.needsCompaction(), (i + 1) + " tombstones of 64");
        }
        list.tombstone(16);
        assertTrue(list.needsCompaction(), "17 of 64 are dead");
        for (int i = 64; i < 68; i++) {
            list.append(i, null, 0f);
        }
        assertFalse(list.needsCompaction(), "17 of 68 is exactly a quarter, not more");

        // A small list never pays for compaction, even when most of it is dead.
        PostingList small = new PostingList(1, 20, false, false);
        for (int i = 0; i < 20; i++) {
            small.append(i, null, 0f);
        }
        for (int i = 0; i < 16; i++) {
            small.tombstone(i);
        }
        assertFalse(small.needsCompaction(), "16 of 20 dead");
    }

    @Test
    void compactingAnAllDeadListGivesAnEmptyListThatStillAppends() {
        PostingList list = new PostingList(2, 8, true, true);
        for (int i = 0; i < 8; i++) {
            list.append(i, new byte[] {1, 1}, 1f);
            list.tombstone(i);
        }
        List<Integer> moved = new ArrayList<>();
        PostingList empty = list.compacted((slot, entry) -> moved.add(slot));
        assertTrue(moved.isEmpty());
        assertEquals(0, empty.count);
        assertEquals(0, empty.tombstones);
        assertEquals(0, empty.append(42, new byte[] {5, 6}, 2f));
        assertEquals(42, empty.slots[0]);
        assertArrayEquals(new byte[] {5, 6}, Arrays.copyOf(empty.codes, 2));
        assertEquals(2f, empty.squaredNorms[0]);
        assertEquals(8, list.count, "the old list keeps its entries");
        assertEquals(8, list.tombstones);
    }
}
