package io.vectorstream.index;

/**
 * Key to slot number, open addressing with linear probing: two flat arrays instead of a
 * {@code HashMap<K, Integer>}'s node and boxed integer per entry (about 16 bytes an entry at the
 * load factor kept here, against about 48-64). Not thread-safe: used by the writer only.
 */
final class KeySlotMap<K> {

    private static final int MISSING = -1;

    private Object[] keys = new Object[16];
    private int[] slots = new int[16];
    private int size;

    int size() {
        return size;
    }

    /** The slot of {@code key}, or {@code -1}. */
    int get(final Object key) {
        int mask = keys.length - 1;
        for (int i = indexOf(key, mask); ; i = (i + 1) & mask) {
            Object k = keys[i];
            if (k == null) {
                return MISSING;
            }
            if (k.equals(key)) {
                return slots[i];
            }
        }
    }

    /** Maps {@code key} to {@code slot} (a new key: callers check {@link #get} first). */
    void put(final K key, final int slot) {
        if ((size + 1) * 4 > keys.length * 3) {
            grow();
        }
        int mask = keys.length - 1;
        int i = indexOf(key, mask);
        while (keys[i] != null && !keys[i].equals(key)) {
            i = (i + 1) & mask;
        }
        if (keys[i] == null) {
            size++;
        }
        keys[i] = key;
        slots[i] = slot;
    }

    /** Removes {@code key}; returns its slot, or {@code -1}. */
    int remove(final Object key) {
        int mask = keys.length - 1;
        int i = indexOf(key, mask);
        while (keys[i] != null && !keys[i].equals(key)) {
            i = (i + 1) & mask;
        }
        if (keys[i] == null) {
            return MISSING;
        }
        int slot = slots[i];
        // Backward-shift deletion: later entries of the probe run move up, so no tombstones.
        int hole = i;
        for (int j = (hole + 1) & mask; keys[j] != null; j = (j + 1) & mask) {
            int home = indexOf(keys[j], mask);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                slots[hole] = slots[j];
                hole = j;
            }
        }
        keys[hole] = null;
        size--;
        return slot;
    }

    long memoryBytes() {
        return (long) keys.length * (8 + Integer.BYTES);
    }

    private void grow() {
        Object[] oldKeys = keys;
        int[] oldSlots = slots;
        keys = new Object[oldKeys.length * 2];
        slots = new int[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) {
                @SuppressWarnings("unchecked") K key = (K) oldKeys[i];
                put(key, oldSlots[i]);
            }
        }
    }

    private static int indexOf(final Object key, final int mask) {
        int h = key.hashCode() * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }
}
