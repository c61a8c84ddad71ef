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
            assertEquals(exact, among, kind + " " + metric);
            assertEquals(List.of(), index.searchAmong(query, 10, List.of(30, -1)));
        }
    }

    @Test
    void aFilterWidensTheSearchInProportionAndSelectivityIsAShare() {
        SearchParams tenth = SearchParams.DEFAULT.withSelectivity(0.1);
        assertEquals(80, tenth.widened(8, 1_000));
        assertEquals(64, tenth.widened(8, 64));
        assertEquals(8, SearchParams.DEFAULT.widened(8, 1_000));
        assertEquals(1.0, SearchParams.DEFAULT.withSelectivity(3).selectivity());
        assertThrows(IllegalArgumentException.class, () -> new SearchParams(0, 0, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new SearchParams(0, 0, false, 1.5));
    }
}
