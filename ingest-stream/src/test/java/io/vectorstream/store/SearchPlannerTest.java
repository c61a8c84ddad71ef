package io.vectorstream.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.index.FlatIndex;
import io.vectorstream.index.Hit;
import io.vectorstream.index.IndexFactory;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.index.VectorIndex;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.filter.FilterParser;
import io.vectorstream.testing.SyntheticData;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.roaringbitmap.RoaringBitmap;

/**
 * Filtered search on seeded data, for every index kind and metric, at selectivities from half of
 * the shard down to a hundredth of a per cent and to nothing: the answer holds min(k, matches)
 * chunks every time, each one a match, and recall@10 against the exact filtered search is at
 * least 0.95.
 */
class SearchPlannerTest {

    private static final int SIZE = 20_000;
    private static final int DIMENSION = 32;
    private static final int K = 10;
    private static final int QUERIES = 12;
    /** A chunk's {@code r} is uniform in [0, RANGE): {@code r < s * RANGE} keeps a share s. */
    private static final int RANGE = 1_000_000;
    private static final double[] SELECTIVITIES = {0.5, 0.12, 0.1, 0.01, 0.001, 0.0001, 0};

    static Stream<Arguments> indexes() {
        return Stream.of("flat", "ivf", "lsh").flatMap(kind -> Stream.of(Metric.values())
                .map(metric -> Arguments.of(kind, metric)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("indexes")
    void filteredSearchesAreNeverUnderFilledOnlyMatchAndFindTheExactFilteredNeighbours(final String kind,
                                                                                      final Metric metric) {
        SyntheticData data = SyntheticData.forSize(SIZE, DIMENSION, 7);
        float[][] vectors = data.vectors(SIZE, 11);
        Map<String, Number> params = kind.equals("ivf") ? Map.of("trainThreshold", 1_000) : Map.of();
        VectorIndex<ChunkRef> index = IndexFactory.create(kind, DIMENSION, metric, params);
        FlatIndex<ChunkRef> truth = new FlatIndex<>(DIMENSION, metric);
        FieldIndex fields = new FieldIndex();
        Random random = new Random(13);
        index.beginBulkLoad();
        for (int i = 0; i < SIZE; i++) {
            ChunkRef ref = fields.putChunk(new ChunkRecord("lib", "d" + i / 10, "c" + i, "", vectors[i],
                    "{\"r\": " + random.nextInt(RANGE) + "}", 1, 0, 0));
            index.put(ref, vectors[i]);
            truth.put(ref, vectors[i]);
        }
        index.endBulkLoad(false);
        assertTrue(index.isTrained());

        float[][] queries = data.vectors(QUERIES, 17);
        for (double selectivity : SELECTIVITIES) {
            RoaringBitmap matches = fields.matches(FilterParser.parse(
                    Json.tree("{\"r\": {\"$lt\": " + (int) (selectivity * RANGE) + "}}"), "filter"));
            int expected = Math.min(K, matches.getCardinality());
            double recall = 0;
            for (float[] query : queries) {
                SearchPlanner.Found found = SearchPlanner.search(index, fields, matches, query, K, SearchParams.DEFAULT);
                assertEquals(expected, found.hits().size(), () -> kind + " at " + selectivity + ": " + found.strategy());
                Set<ChunkRef> exact = new HashSet<>();
                truth.search(query, K, SearchParams.EXACT, ref -> fields.isAmong(ref, matches))
                        .forEach(hit -> exact.add(hit.key()));
                int same = 0;
                for (Hit<ChunkRef> hit : found.hits()) {
                    assertTrue(fields.isAmong(hit.key(), matches), () -> hit.key() + " does not match");
                    same += exact.contains(hit.key()) ? 1 : 0;
                }
                recall += expected == 0 ? 1 : same / (double) expected;
            }
            double average = recall / queries.length;
            assertTrue(average >= 0.95, kind + " " + metric + " at selectivity " + selectivity + ": recall@10 "
                    + average);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("indexes")
    void theIndexIsUsedWhenManyMatchAndTheMatchesAreScoredWhenFewDo(final String kind, final Metric metric) {
        SyntheticData data = SyntheticData.forSize(SIZE, DIMENSION, 7);
        float[][] vectors = data.vectors(SIZE, 11);
        Map<String, Number> params = kind.equals("ivf") ? Map.of("trainThreshold", 1_000) : Map.of();
        VectorIndex<ChunkRef> index = IndexFactory.create(kind, DIMENSION, metric, params);
        FieldIndex fields = new FieldIndex();
        for (int i = 0; i < SIZE; i++) {
            index.put(fields.putChunk(new ChunkRecord("lib", "d", "c" + i, "", vectors[i], "{\"even\": " + (i % 2 == 0)
                    + ", \"i\": " + i + "}", 1, 0, 0)), vectors[i]);
        }
        float[] query = data.vectors(1, 3)[0];
        SearchPlanner.Found half = SearchPlanner.search(index, fields,
                fields.matches(FilterParser.parse(Json.tree("{\"even\": true}"), "filter")), query, K, SearchParams.DEFAULT);
        SearchPlanner.Found few = SearchPlanner.search(index, fields,
                fields.matches(FilterParser.parse(Json.tree("{\"i\": {\"$lt\": 100}}"), "filter")), query, K,
                SearchParams.DEFAULT);
        assertEquals(SearchPlanner.Strategy.INDEX_FILTERED, half.strategy());
        assertEquals(kind.equals("flat"), half.exhaustive()); // a flat scan with the filter sees every match
        assertEquals(SearchPlanner.Strategy.EXACT_MATCHES, few.strategy());
        assertTrue(few.exhaustive());
        List<Hit<ChunkRef>> all = index.searchAmong(query, K, fields.chunksOf(
                fields.matches(FilterParser.parse(Json.tree("{\"i\": {\"$lt\": 100}}"), "filter"))));
        // The same chunks, scores equal up to rounding (four matches are scored side by side).
        assertEquals(all.stream().map(Hit::key).toList(), few.hits().stream().map(Hit::key).toList());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(all.get(i).score(), few.hits().get(i).score(), 1e-5);
        }
    }
}
