package io.vectorstream.index;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Key to slot number, open addressing with linear probing over one {@code int[]} of slots: the
 * keys themselves are not copied here but read from where the slots keep them ({@code keyAt}), so
 * an entry costs 4 bytes of table (5-11 bytes a key at the load factors kept here), against 16-32
 * with a key reference beside each slot and 48-64 in a {@code HashMap<K, Integer>}. The key of a
 * slot must be readable through {@code keyAt} from {@link #put} until {@link #remove} returns.
 * Not thread-safe: used by the writer only.
 */
final class KeySlotMap<K> {

    private static final int MISSING = -1;
    /** Marks a free position; slot numbers are stored as they are (>= 0). */
    private static final int FREE = -1;

    private final IntFunction<Object> keyAt;
    private int[] table = newTable(16);
    private int size;

    /** @param keyAt the key stored at a slot */
    KeySlotMap(final IntFunction<Object> keyAt) {
        this.keyAt = keyAt;
    }

    int size() {
        return size;
    }

    /** The slot of {@code key}, or {@code -1}. */
    int get(final Object key) {
        int slot = table[positionOf(key)];
        return slot == FREE ? MISSING : slot;
    }

    /** Maps {@code key} to {@code slot}; {@code key} is new (callers check {@link #get} first) and stored at {@code slot}. */
    void put(final K key, final int slot) {
        if ((size + 1) * 4 > table.length * 3) {
            grow();
        }
        insert(table, key, slot);
        size++;
    }

    /** Removes {@code key}; returns its slot, or {@code -1}. */
    int remove(final Object key) {
        int mask = table.length - 1;
        int i = positionOf(key);
        if (table[i] == FREE) {
            return MISSING;
        }
        int slot = table[i];
        // Backward-shift deletion: later entries of the probe run move up, so no tombstones.
        int hole = i;
        for (int j = (hole + 1) & mask; table[j] != FREE; j = (j + 1) & mask) {
            int home = indexOf(keyAt.apply(table[j]), mask);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                table[hole] = table[j];
                hole = j;
            }
        }
        table[hole] = FREE;
        size--;
        return slot;
    }

    long memoryBytes() {
        return (long) table.length * Integer.BYTES;
    }

    private void insert(final int[] into, final Object key, final int slot) {
        int mask = into.length - 1;
        int i = indexOf(key, mask);
        while (into[i] != FREE) {
            i = (i + 1) & mask;
        }
        into[i] = slot;
    }

    private void grow() {
        int[] grown = newTable(table.length * 2);
        for (int slot : table) {
            if (slot != FREE) {
                insert(grown, keyAt.apply(slot), slot);
            }
        }
        table = grown;
    }

    private static int[] newTable(final int length) {
        int[] out = new int[length];
        Arrays.fill(out, FREE);
        return out;
    }

    /** Where {@code key}'s slot is, or the free position that ends its probe run. */
    private int positionOf(final Object key) {
        int mask = table.length - 1;
        int i = indexOf(key, mask);
        while (table[i] != FREE && !keyAt.apply(table[i]).equals(key)) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static int indexOf(final Object key, final int mask) {
        int h = key.hashCode() * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }
}
