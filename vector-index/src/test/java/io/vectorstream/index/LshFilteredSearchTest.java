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
 * LSH searched with a filter ({@link OrdinalFilter}, as a shard's planner passes it): it answers
 * only live matches, k of them, and the wider look it takes for the filter's selectivity (more
 * buckets, or at selective filters the matches ranked by their codes) keeps the recall of the
 * filtered neighbours at least that of an unfiltered search, with codes and without, for every
 * metric.
 */
class LshFilteredSearchTest {

    private static final int SIZE = 20_000;
    private static final int DIMENSION = 32;
    private static final int K = 10;

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void aFilteredSearchFindsTheFilteredNeighboursAmongLiveMatchesOnly(final int sq8) {
        SyntheticData data = SyntheticData.forSize(SIZE, DIMENSION, 7);
        float[][] vectors = data.vectors(SIZE, 11);
        float[][] queries = data.vectors(30, 17);
        for (Metric metric : Metric.values()) {
            VectorIndex<Id> index = IndexFactory.create("lsh", DIMENSION, metric, Map.of("sq8", sq8));
            FlatIndex<Id> exact = new FlatIndex<>(DIMENSION, metric, new FlatParams(false));
            for (int i = 0; i < SIZE; i++) {
                float[] v = IvfIndexTest.scaled(vectors[i], metric, i);
                index.put(new Id(i), v);
                exact.put(new Id(i), v);
            }
            for (int i = 3; i < SIZE; i += 70) { // removed matches never come back
                index.remove(new Id(i));
                exact.remove(new Id(i));
            }
            for (int i = 13; i < SIZE; i += 50) { // replaced ones are found by their new vectors
                if (removed(i)) {
                    continue;
                }
                float[] v = IvfIndexTest.scaled(vectors[SIZE - 1 - i], metric, i);
                index.put(new Id(i), v);
                exact.put(new Id(i), v);
            }
            double unfiltered = recall(index, exact, queries, SearchParams.DEFAULT, null, ordinal -> true);
            // By the buckets (a half), from the matches' codes (a tenth, a fiftieth; l2: by the buckets).
            for (int modulus : new int[] {2, 10, 50}) {
                IntPredicate matches = ordinal -> ordinal % modulus == 3 % modulus;
                double filtered = recall(index, exact, queries, SearchParams.DEFAULT.withSelectivity(1.0 / modulus),
                        filter(matches, SIZE + 100), matches);
                assertTrue(filtered >= unfiltered - 0.03, metric + " sq8=" + sq8 + " 1/" + modulus
                        + ": recall@10 " + filtered + ", unfiltered " + unfiltered);
            }
        }
    }

    /**
     * Average recall@10 against exact search with the same filter; asserts every answer is a live
     * match.
     */
    private static double recall(final VectorIndex<Id> index, final FlatIndex<Id> exact, final float[][] queries,
                                 final SearchParams params, final OrdinalFilter<Id> filter, final IntPredicate matches) {
        double recall = 0;
        for (float[] query : queries) {
            List<Hit<Id>> found = index.search(query, K, params, filter);
            assertEquals(K, found.size(), "a look widened for the filter finds k matches");
            Set<Id> truth = new HashSet<>();
            exact.search(query, K, SearchParams.EXACT, id -> matches.test(id.ordinal()))
                    .forEach(hit -> truth.add(hit.key()));
            for (Hit<Id> hit : found) {
                assertTrue(matches.test(hit.key().ordinal()), hit.key() + " is no match");
                assertFalse(removed(hit.key().ordinal()), hit.key() + " was removed");
                recall += truth.contains(hit.key()) ? 1.0 / K : 0;
            }
        }
        return recall / queries.length;
    }

    private static boolean removed(final int ordinal) {
        return ordinal >= 3 && (ordinal - 3) % 70 == 0;
    }

    private static OrdinalFilter<Id> filter(final IntPredicate matches, final int ordinals) {
        return new OrdinalFilter<>(id -> matches.test(id.ordinal()),
                () -> OrdinalBatches.of(IntStream.range(0, ordinals).filter(matches).iterator()), matches);
    }

    /** A key that is its own ordinal. */
    private record Id(int ordinal) implements Ordinal {
    }
}
