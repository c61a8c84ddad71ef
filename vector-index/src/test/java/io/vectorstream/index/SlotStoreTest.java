package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The slot store gives every key a slot of its own, returns exactly the vector stored there across the
 * growth of its first segment (from 16 slots) and into further segments, reuses freed slots, and
 * scores and scans what it holds as {@link Similarity} and a brute-force sort would.
 */
class SlotStoreTest {

    private static float[] vector(final Random random, final int dimension) {
        float[] v = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            v[d] = (float) random.nextGaussian();
        }
        return v;
    }

    /** The internal score, in double precision and independent of the kernels. */
    private static double reference(final Metric metric, final float[] query, final float[] v) {
        double sum = 0;
        for (int d = 0; d < query.length; d++) {
            sum += metric == Metric.L2 ? (double) (query[d] - v[d]) * (query[d] - v[d]) : (double) query[d] * v[d];
        }
        return metric == Metric.L2 ? -sum : sum;
    }

    @Test
    void storesAndReadsBackVectorsAcrossFirstSegmentGrowthAndLaterSegments() {
        Random random = new Random(1);
        int dimension = 5;
        SlotStore<String> store = new SlotStore<>(dimension);
        Map<String, float[]> stored = new HashMap<>();
        Map<String, Integer> slotOf = new HashMap<>();
        for (int i = 0; i < 2_600; i++) { // three segments; the first doubles 16 -> 1,024 on the way
            String key = "k" + i;
            float[] v = vector(random, dimension);
            int slot = store.put(key, v);
            assertEquals(i, slot, "fresh slots are handed out in order while none is free");
            stored.put(key, v.clone());
            slotOf.put(key, slot);
            v[0] = 1e9f; // the store keeps a copy, not the caller's array
            assertEquals(i + 1, store.size());
            assertEquals(i + 1, store.highWater());
            if (i == 0) {
                assertEquals(SlotStore.FIRST_SLOTS * dimension, store.vectorSegment(0).length,
                        "one vector takes a first segment of 16 slots, not 1,024");
            }
            if (i == SlotStore.FIRST_SLOTS) {
                assertEquals(2 * SlotStore.FIRST_SLOTS * dimension, store.vectorSegment(0).length, "doubled");
            }
            // Every earlier vector survives each growth (spot-checked as we go, fully below).
            if ((i & (i - 1)) == 0 || i % 1_024 == 0) {
                for (Map.Entry<String, Integer> e : slotOf.entrySet()) {
                    assertArrayEquals(stored.get(e.getKey()), store.vectorAt(e.getValue()), e.getKey() + " after " + i);
                }
            }
        }
        assertEquals(SlotStore.SEGMENT_SLOTS * dimension, store.vectorSegment(0).length, "first segment stops at 1,024");
        assertEquals(SlotStore.SEGMENT_SLOTS * dimension, store.vectorSegment(1).length);
        assertEquals(SlotStore.SEGMENT_SLOTS * dimension, store.vectorSegment(2).length);
        for (Map.Entry<String, Integer> e : slotOf.entrySet()) {
            int slot = e.getValue();
            assertEquals(e.getKey(), store.keyAt(slot));
            assertEquals(e.getKey(), store.keySegment(slot / SlotStore.SEGMENT_SLOTS)[slot % SlotStore.SEGMENT_SLOTS]);
            assertArrayEquals(stored.get(e.getKey()), store.vectorAt(slot), e.getKey());
        }
    }

    @Test
    void vectorAtReturnsACopy() {
        SlotStore<String> store = new SlotStore<>(3);
        int slot = store.put("a", new float[] {1, 2, 3});
        store.vectorAt(slot)[1] = 99;
        assertArrayEquals(new float[] {1, 2, 3}, store.vectorAt(slot));
    }

    @Test
    void puttingAStoredKeyAgainOverwritesItsVectorInPlace() {
        SlotStore<String> store = new SlotStore<>(2);
        assertEquals(0, store.put("a", new float[] {1, 1}));
        assertEquals(1, store.put("b", new float[] {2, 2}));
        assertEquals(-1 - 0, store.put("a", new float[] {3, 3}), "slot 0 replaced is told apart from a fresh slot 0");
        assertEquals(-1 - 1, store.put("b", new float[] {4, 4}));
        assertEquals(2, store.size());
        assertEquals(2, store.highWater());
        assertArrayEquals(new float[] {3, 3}, store.vectorAt(0));
        assertArrayEquals(new float[] {4, 4}, store.vectorAt(1));
    }

    @Test
    void removingFreesTheSlotAndTheNextNewKeyReusesIt() {
        SlotStore<String> store = new SlotStore<>(2);
        for (int i = 0; i < 40; i++) {
            store.put("k" + i, new float[] {i, -i});
        }
        assertEquals(7, store.remove("k7"));
        assertEquals(30, store.remove("k30"));
        assertEquals(-1, store.remove("k7"), "already removed");
        assertEquals(-1, store.remove("never"), "never stored");
        assertNull(store.keyAt(7));
        assertNull(store.keyAt(30));
        assertEquals(38, store.size());

        int first = store.put("new1", new float[] {100, 100});
        int second = store.put("new2", new float[] {200, 200});
        assertEquals(Set.of(7, 30), Set.of(first, second), "both freed slots are reused");
        assertEquals(40, store.highWater(), "no fresh slot was taken");
        assertArrayEquals(new float[] {100, 100}, store.vectorAt(first));
        assertArrayEquals(new float[] {200, 200}, store.vectorAt(second));
        assertEquals("new1", store.keyAt(first));
        assertEquals(40, store.put("new3", new float[] {3, 3}), "then fresh slots again");
        // A removed key put again is a new entry, not a replacement.
        store.remove("k3");
        assertEquals(3, store.put("k3", new float[] {5, 5}));
    }

    @Test
    void aFilterOfOrdinalsIsAskedBySlotAndFollowsReplacementsRemovalsAndReuse() {
        SlotStore<Ref> store = new SlotStore<>(2);
        for (int i = 0; i < 40; i++) {
            store.put(new Ref("k" + i, i), new float[] {i, -i});
        }
        List<Integer> asked = new ArrayList<>();
        OrdinalFilter<Ref> evens = new OrdinalFilter<>(ref -> {
            throw new AssertionError("the key " + ref + " was read: its ordinal answers");
        }, () -> buffer -> 0, ordinal -> {
            asked.add(ordinal);
            return ordinal % 2 == 0;
        });
        assertEquals(new Ref("k4", 4), store.keyIfAllowed(4, evens));
        assertNull(store.keyIfAllowed(5, evens));
        assertEquals(List.of(4, 5), asked);

        store.put(new Ref("k5", 50), new float[] {0, 0}); // the same key (by name) under a new ordinal
        assertEquals(new Ref("k5", 50), store.keyIfAllowed(5, evens));
        assertEquals(50, ((Ref) store.keyIfAllowed(5, null)).ordinal());
        store.remove(new Ref("k6", 6));
        assertNull(store.keyIfAllowed(6, evens), "a freed slot holds nothing to allow");
        assertNull(store.keyIfAllowed(6, null));
        assertEquals(6, store.put(new Ref("new", 7), new float[] {1, 1}));
        assertNull(store.keyIfAllowed(6, evens), "the reused slot is tested by its new key's ordinal");
        assertEquals(new Ref("new", 7), store.keyIfAllowed(6, ref -> true));

        // Keys without an ordinal are asked through the predicate.
        SlotStore<String> plain = new SlotStore<>(2);
        plain.put("a", new float[] {1, 1});
        plain.put("b", new float[] {2, 2});
        OrdinalFilter<String> onlyA = new OrdinalFilter<>("a"::equals, () -> buffer -> 0, ordinal -> true);
        assertEquals("a", plain.keyIfAllowed(0, onlyA));
        assertNull(plain.keyIfAllowed(1, onlyA));
    }

    /** A key equal by name whatever ordinal it carries, as a chunk reference is. */
    private record Ref(String name, int ordinal) implements Ordinal {
        @Override
        public boolean equals(final Object o) {
            return o instanceof Ref other && other.name.equals(name);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }
    }

    @Test
    void agreesWithAMapUnderRandomPutsOverwritesAndRemoves() {
        Random random = new Random(77);
        int dimension = 3;
        SlotStore<Integer> store = new SlotStore<>(dimension);
        Map<Integer, float[]> reference = new HashMap<>();
        Map<Integer, Integer> slotOf = new HashMap<>();
        int maxSize = 0;
        for (int op = 0; op < 30_000; op++) {
            // Phases that fill and drain, so the store grows into a second segment and reuses slots.
            int keyRange = 200 + (op / 3_000) * 150;
            int key = random.nextInt(keyRange);
            boolean removing = random.nextInt(10) < ((op / 3_000) % 2 == 0 ? 2 : 6);
            if (removing) {
                Integer slot = slotOf.remove(key);
                reference.remove(key);
                assertEquals(slot == null ? -1 : slot, store.remove(key), "remove " + key);
            } else {
                float[] v = vector(random, dimension);
                int highBefore = store.highWater();
                int result = store.put(key, v);
                Integer known = slotOf.get(key);
                if (known != null) {
                    assertEquals(-1 - known, result, "overwrite of " + key);
                } else {
                    assertTrue(result >= 0);
                    assertTrue(!slotOf.containsValue(result), "slot " + result + " handed out twice");
                    // A fresh slot is taken only when none is free.
                    int free = highBefore - slotOf.size();
                    assertEquals(free > 0 ? highBefore : highBefore + 1, store.highWater(), "high water at op " + op);
                    slotOf.put(key, result);
                }
                reference.put(key, v.clone());
            }
            maxSize = Math.max(maxSize, reference.size());
            assertEquals(reference.size(), store.size());
            if (op % 499 == 0) {
                for (int slot = 0; slot < store.highWater(); slot++) {
                    Object k = store.keyAt(slot);
                    if (k != null) {
                        assertEquals(slot, slotOf.get(k).intValue(), "key " + k + " in slot " + slot);
                        assertArrayEquals(reference.get(k), store.vectorAt(slot));
                    }
                }
            }
        }
        assertEquals(maxSize, store.highWater(), "with reuse, slots never exceed the most keys held at once");
        assertTrue(store.highWater() > SlotStore.SEGMENT_SLOTS, "the run reached a second segment");
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void scoreMatchesSimilarityOnTheVectorAndADoublePrecisionReference(final Metric metric) {
        Random random = new Random(5);
        int dimension = 37; // not a multiple of any SIMD width
        SlotStore<Integer> store = new SlotStore<>(dimension);
        List<float[]> vectors = new ArrayList<>();
        for (int i = 0; i < 1_100; i++) {
            float[] v = vector(random, dimension);
            vectors.add(v);
            store.put(i, v);
        }
        for (int q = 0; q < 5; q++) {
            float[] query = vector(random, dimension);
            for (int slot = 0; slot < vectors.size(); slot++) {
                float[] v = vectors.get(slot);
                float score = store.score(metric, query, slot);
                // Within rounding, not bit for bit: the Vector API's lane reduction order is unspecified
                // and differs between interpreted and compiled code.
                float direct = Similarity.score(metric, query, v, 0);
                assertEquals(direct, score, 1e-5f * Math.max(1f, Math.abs(direct)), "slot " + slot);
                double expected = reference(metric, query, v);
                assertEquals(expected, score, 1e-4 * Math.max(1, Math.abs(expected)), "slot " + slot);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void scanIntoOffersEveryLiveAllowedVectorAndMatchesBruteForce(final Metric metric) {
        Random random = new Random(11);
        int dimension = 16;
        SlotStore<Integer> store = new SlotStore<>(dimension);
        Map<Integer, float[]> live = new HashMap<>();
        // Crosses scan blocks (256 slots) and segments (1,024), with holes from removals.
        for (int i = 0; i < 2_300; i++) {
            float[] v = vector(random, dimension);
            store.put(i, v);
            live.put(i, v);
        }
        for (int i = 0; i < 2_300; i += 4) {
            store.remove(i);
            live.remove(i);
        }
        for (int i = 3; i < 2_300; i += 50) {
            float[] v = vector(random, dimension);
            store.put(i, v); // overwrites: the scan must see the new vector
            live.put(i, v);
        }
        StampedLock lock = new StampedLock();
        Predicate<Integer> odd = key -> key % 2 == 1;
        for (int q = 0; q < 4; q++) {
            float[] query = vector(random, dimension);
            for (Predicate<Integer> allow : Arrays.<Predicate<Integer>>asList(null, odd)) {
                int k = 25;
                TopK<Integer> top = new TopK<>(k);
                store.scanInto(lock, metric, query, top, allow);
                List<Hit<Integer>> hits = top.drainBestFirst(metric);

                List<Integer> candidates = new ArrayList<>();
                for (Integer key : live.keySet()) {
                    if (allow == null || allow.test(key)) {
                        candidates.add(key);
                    }
                }
                candidates.sort(Comparator.comparingDouble((Integer key) -> reference(metric, query, live.get(key))).reversed());
                List<Integer> expected = candidates.subList(0, k);
                assertEquals(expected, hits.stream().map(Hit::key).toList(), metric + " filter " + (allow != null));
                for (Hit<Integer> hit : hits) {
                    double internal = reference(metric, query, live.get(hit.key()));
                    double user = metric == Metric.L2 ? Math.sqrt(-internal) : internal;
                    assertEquals(user, hit.score(), 1e-4 * Math.max(1, Math.abs(user)));
                }
            }
        }
    }

    @Test
    void scanIntoOffersEachLiveKeyExactlyOnceWithItsOwnScore() {
        Random random = new Random(23);
        int dimension = 4;
        SlotStore<Integer> store = new SlotStore<>(dimension);
        Map<Integer, float[]> live = new HashMap<>();
        for (int i = 0; i < 1_500; i++) {
            float[] v = vector(random, dimension);
            store.put(i, v);
            live.put(i, v);
        }
        for (int i = 0; i < 1_500; i += 3) {
            store.remove(i);
            live.remove(i);
        }
        float[] query = vector(random, dimension);
        // k larger than the store: the scan's offers come back whole.
        TopK<Integer> top = new TopK<>(5_000);
        Set<Integer> asked = new HashSet<>();
        store.scanInto(new StampedLock(), Metric.DOT, query, top, key -> {
            assertTrue(asked.add(key), "asked twice about " + key);
            return true;
        });
        assertEquals(live.keySet(), asked, "the filter is asked about every live key and no removed one");
        List<Hit<Integer>> hits = top.drainBestFirst(Metric.DOT);
        assertEquals(live.size(), hits.size());
        for (Hit<Integer> hit : hits) {
            float direct = Similarity.score(Metric.DOT, query, live.get(hit.key()), 0);
            assertEquals(direct, hit.score(), 1e-5f * Math.max(1f, Math.abs(direct)), "key " + hit.key());
        }
    }

    @Test
    void scanningAnEmptyOrEmptiedStoreOffersNothing() {
        SlotStore<String> store = new SlotStore<>(2);
        TopK<String> top = new TopK<>(3);
        store.scanInto(new StampedLock(), Metric.L2, new float[] {0, 0}, top, null);
        assertTrue(top.drainBestFirst(Metric.L2).isEmpty());
        store.put("a", new float[] {1, 0});
        store.remove("a");
        store.scanInto(new StampedLock(), Metric.L2, new float[] {0, 0}, top, null);
        assertTrue(top.drainBestFirst(Metric.L2).isEmpty());
    }

    @Test
    void memoryFollowsTheSlotsInUseNotAFullSegment() {
        int dimension = 256;
        SlotStore<Integer> store = new SlotStore<>(dimension);
        store.put(0, new float[dimension]);
        long small = store.memoryBytes();
        long fullSegmentFloats = (long) SlotStore.SEGMENT_SLOTS * dimension * Float.BYTES;
        assertTrue(small < fullSegmentFloats / 10, "one vector costs " + small + " bytes");
        assertTrue(small >= (long) SlotStore.FIRST_SLOTS * dimension * Float.BYTES, "but its first segment is counted");
        for (int i = 1; i < 600; i++) {
            store.put(i, new float[dimension]);
        }
        long bigger = store.memoryBytes();
        assertNotEquals(small, bigger);
        assertTrue(bigger >= 600L * dimension * Float.BYTES, "600 vectors are counted: " + bigger);
    }
}
