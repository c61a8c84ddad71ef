package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BucketTableTest {

    private static Set<Integer> contents(final int[] bucket) {
        Set<Integer> out = new HashSet<>();
        if (bucket != null) {
            for (int i = 1; i <= bucket[0]; i++) {
                out.add(bucket[i]);
            }
        }
        return out;
    }

    @Test
    void behavesLikeAMapOfSetsUnderRandomAddsAndRemoves() {
        Random random = new Random(11);
        BucketTable table = new BucketTable();
        Map<Integer, Set<Integer>> model = new HashMap<>();
        // Few distinct codes (including negative and zero) so buckets collide, grow and empty often.
        int[] codes = random.ints(300, -1000, 1000).toArray();
        for (int step = 0; step < 100_000; step++) {
            int code = codes[random.nextInt(codes.length)];
            int slot = random.nextInt(3); // few slots per code: buckets empty and are dropped often
            Set<Integer> expected = model.computeIfAbsent(code, c -> new HashSet<>());
            if (random.nextBoolean() && !expected.contains(slot)) {
                table.add(code, slot);
                expected.add(slot);
            } else {
                table.remove(code, slot);
                expected.remove(slot);
            }
            if (expected.isEmpty()) {
                model.remove(code);
            }
            if (step % 997 == 0) {
                for (int c : codes) {
                    assertEquals(model.getOrDefault(c, Set.of()), contents(table.get(c)), "code " + c + " at step " + step);
                }
                assertEquals(model.size(), table.size(), "buckets at step " + step);
            }
        }
    }

    @Test
    void anEmptiedBucketIsDroppedAndItsNeighboursStayReachable() {
        BucketTable table = new BucketTable();
        for (int code = 0; code < 12; code++) { // grows past the initial 16 positions' load limit
            table.add(code, code * 10);
        }
        table.remove(5, 50);
        assertNull(table.get(5));
        assertEquals(11, table.size());
        for (int code = 0; code < 12; code++) {
            if (code != 5) {
                assertEquals(Set.of(code * 10), contents(table.get(code)));
            }
        }
    }
}
