package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vectorstream.testing.SyntheticData;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An index scores exactly the keys it is given, and only those it holds. */
class SearchAmongTest {

    @ParameterizedTest
    @ValueSource(strings = {"flat", "ivf", "lsh"})
    void theBestOfTheGivenKeysAreTheExactSearchRestrictedToThem(final String kind) {
        for (Metric metric : Metric.values()) {
            float[][] vectors = SyntheticData.forSize(3_000, 16, 5).vectors(3_000, 6);
            Map<String, Number> params = kind.equals("ivf") ? Map.of("trainThreshold", 500) : Map.of();
            VectorIndex<Integer> index = IndexFactory.create(kind, 16, metric, params);
            for (int i = 0; i < vectors.length; i++) {
                index.put(i, vectors[i]);
            }
            index.remove(30); // a key given but no longer held
            List<Integer> keys = new ArrayList<>();
            for (int i = 0; i < vectors.length; i += 7) {
                keys.add(i);
            }
            keys.add(-1); // never held
            Set<Integer> given = new HashSet<>(keys);
            float[] query = SyntheticData.forSize(3_000, 16, 5).vectors(1, 9)[0];
            List<Hit<Integer>> among = index.searchAmong(query, 10, keys);
            List<Hit<Integer>> exact = index.search(query, 10, SearchParams.EXACT, given::contains);
            assertSameHits(exact, among, kind + " " + metric);
            assertEquals(List.of(), index.searchAmong(query, 10, List.of(30, -1)));
        }
    }

    /**
     * The same keys in the same order with the same scores up to rounding: the Vector API's lane
     * sum is ordered differently compiled than interpreted, so one vector's score can differ in its
     * last bits between two calls.
     */
    private static <K> void assertSameHits(final List<Hit<K>> expected, final List<Hit<K>> actual, final String what) {
        assertEquals(expected.stream().map(Hit::key).toList(), actual.stream().map(Hit::key).toList(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).score(), actual.get(i).score(), 1e-5, what);
        }
    }

    /** A key with an ordinal, equal by its name alone. */
    private record Named(String name, int ordinal) implements Ordinal {
        @Override
        public boolean equals(final Object other) {
            return other instanceof Named that && name.equals(that.name);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"flat", "ivf", "lsh"})
    void keysGivenByTheirOrdinalsAreFoundAsTheKeysThemselves(final String kind) {
        float[][] vectors = SyntheticData.forSize(2_000, 8, 3).vectors(2_000, 4);
        Map<String, Number> params = kind.equals("ivf") ? Map.of("trainThreshold", 500) : Map.of();
        VectorIndex<Named> index = IndexFactory.create(kind, 8, Metric.L2, params);
        for (int i = 0; i < vectors.length; i++) {
            index.put(new Named("k" + i, i), vectors[i]);
        }
        index.remove(new Named("k3", -1)); // removed by a key without its ordinal: the ordinal is freed too
        index.put(new Named("k5", 5), vectors[6]); // rewritten in place
        List<Named> keys = new ArrayList<>();
        List<Integer> ordinals = new ArrayList<>();
        for (int i = 1; i < vectors.length; i += 3) {
            keys.add(new Named("k" + i, i));
            ordinals.add(i);
        }
        ordinals.add(50_000); // past every ordinal held
        float[] query = vectors[6];
        List<Hit<Named>> byKey = index.searchAmong(query, 15, keys);
        List<Hit<Named>> byOrdinal = index.searchAmongOrdinals(query, 15, () -> OrdinalBatches.of(ordinals.stream().mapToInt(i -> i).iterator()));
        assertSameHits(byKey, byOrdinal, kind);
        assertEquals(List.of(), index.searchAmongOrdinals(query, 5, () -> OrdinalBatches.of(List.of(3).stream().mapToInt(i -> i).iterator())));
    }

    @Test
    void aFilterWidensTheSearchBySelectivityToAPowerAndSelectivityIsAShare() {
        SearchParams tenth = SearchParams.DEFAULT.withSelectivity(0.1);
        assertEquals(80, tenth.widened(8, 1_000, 1));
        assertEquals(45, tenth.widened(8, 1_000, 0.75)); // 8 / 0.1^0.75 = 44.98..., rounded up
        assertEquals(64, tenth.widened(8, 64, 1));
        assertEquals(8, SearchParams.DEFAULT.widened(8, 1_000, 0.75));
        assertEquals(1.0, SearchParams.DEFAULT.withSelectivity(3).selectivity());
        assertThrows(IllegalArgumentException.class, () -> new SearchParams(0, 0, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new SearchParams(0, 0, false, 1.5));
    }
}
