package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.testing.SyntheticData;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A trained IVF index searched with an {@link OrdinalFilter} goes from the matches to their lists:
 * it answers only matches, never a removed vector, k of them, and finds the exact filtered
 * neighbours (recall@10 >= 0.95), with codes and without, for every metric.
 */
class IvfMatchSearchTest {

    private static final int SIZE = 20_000;
    private static final int DIMENSION = 32;
    private static final int K = 10;

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void aSearchByMatchesFindsTheFilteredNeighbours(final int sq8) {
        float[][] vectors = SyntheticData.forSize(SIZE, DIMENSION, 7).vectors(SIZE, 11);
        float[][] queries = SyntheticData.forSize(SIZE, DIMENSION, 7).vectors(20, 17);
        for (Metric metric : Metric.values()) {
            VectorIndex<Id> index = IndexFactory.create("ivf", DIMENSION, metric,
                    Map.of("trainThreshold", 1_000, "sq8", sq8));
            FlatIndex<Id> exact = new FlatIndex<>(DIMENSION, metric, new FlatParams(false));
            for (int i = 0; i < SIZE; i++) {
                index.put(new Id(i), vectors[i]);
                exact.put(new Id(i), vectors[i]);
            }
            assertTrue(index.isTrained());
            for (int i = 3; i < SIZE; i += 70) { // removed matches never come back
                index.remove(new Id(i));
                exact.remove(new Id(i));
            }
            for (int modulus : new int[] {10, 3}) {
                IntPredicate matches = ordinal -> ordinal % modulus == 3 % modulus;
                double recall = 0;
                for (float[] query : queries) {
                    List<Hit<Id>> found = index.search(query, K, SearchParams.DEFAULT.withSelectivity(1.0 / modulus),
                            filter(matches, SIZE + 100)); // ordinals past the last held one are skipped
                    assertEquals(K, found.size(), metric + " 1/" + modulus);
                    Set<Id> truth = new HashSet<>();
                    exact.search(query, K, SearchParams.EXACT, id -> matches.test(id.ordinal()))
                            .forEach(hit -> truth.add(hit.key()));
                    for (Hit<Id> hit : found) {
                        assertTrue(matches.test(hit.key().ordinal()), hit.key() + " is no match");
                        assertFalse(hit.key().ordinal() >= 3 && (hit.key().ordinal() - 3) % 70 == 0,
                                hit.key() + " was removed");
                        recall += truth.contains(hit.key()) ? 1.0 / K : 0;
                    }
                }
                double average = recall / queries.length;
                assertTrue(average >= 0.95, metric + " sq8=" + sq8 + " 1/" + modulus + ": recall@10 " + average);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void theFiltersPredicateHasTheLastWordOverItsOrdinals(final int sq8) {
        float[][] vectors = SyntheticData.forSize(SIZE, DIMENSION, 7).vectors(SIZE, 21);
        VectorIndex<Id> index = IndexFactory.create("ivf", DIMENSION, Metric.COSINE,
                Map.of("trainThreshold", 1_000, "sq8", sq8));
        for (int i = 0; i < SIZE; i++) {
            index.put(new Id(i), vectors[i]);
        }
        // The ordinals name every vector; the predicate accepts the even ones only.
        OrdinalFilter<Id> lying = new OrdinalFilter<>(id -> id.ordinal() % 2 == 0,
                () -> OrdinalBatches.of(IntStream.range(0, SIZE).iterator()));
        for (float[] query : SyntheticData.forSize(SIZE, DIMENSION, 7).vectors(10, 23)) {
            for (Hit<Id> hit : index.search(query, K, SearchParams.DEFAULT.withSelectivity(0.5), lying)) {
                assertEquals(0, hit.key().ordinal() % 2, hit.key() + " is refused by the predicate");
            }
        }
    }

    private static OrdinalFilter<Id> filter(final IntPredicate matches, final int ordinals) {
        return new OrdinalFilter<>(id -> matches.test(id.ordinal()),
                () -> OrdinalBatches.of(IntStream.range(0, ordinals).filter(matches).iterator()));
    }

    /** A key that is its own ordinal. */
    private record Id(int ordinal) implements Ordinal {
    }
}
