package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The open-addressing map agrees with a HashMap through puts, removes and growth, collisions included. */
class KeySlotMapTest {

    /** Keys whose hash codes collide a lot, to exercise probe runs and backward-shift deletion. */
    private record Colliding(int id) {
        @Override
        public int hashCode() {
            return id % 7;
        }
    }

    @Test
    void agreesWithAHashMapUnderRandomOperations() {
        Random random = new Random(5);
        // Where the slots keep their keys: the map reads them from here.
        Map<Integer, Object> keyOfSlot = new HashMap<>();
        KeySlotMap<Object> map = new KeySlotMap<>(keyOfSlot::get);
        Map<Object, Integer> reference = new HashMap<>();
        for (int op = 0; op < 200_000; op++) {
            Object key = random.nextBoolean() ? Integer.valueOf(random.nextInt(5_000))
                    : new Colliding(random.nextInt(300));
            switch (random.nextInt(3)) {
                case 0 -> {
                    int slot = op; // a fresh slot
                    if (!reference.containsKey(key)) {
                        keyOfSlot.put(slot, key);
                        map.put(key, slot);
                        reference.put(key, slot);
                    }
                }
                case 1 -> {
                    Integer removed = reference.remove(key);
                    assertEquals(removed == null ? -1 : removed, map.remove(key));
                    if (removed != null) {
                        keyOfSlot.remove(removed);
                    }
                }
                default -> assertEquals(reference.getOrDefault(key, -1).intValue(), map.get(key));
            }
            assertEquals(reference.size(), map.size());
        }
        for (Map.Entry<Object, Integer> entry : reference.entrySet()) {
            assertEquals(entry.getValue().intValue(), map.get(entry.getKey()));
        }
    }
}
