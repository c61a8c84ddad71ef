package io.vectorstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vectorstream.index.Metric;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.store.ShardQuery.KnnAnswer;
import io.vectorstream.store.ShardQuery.ScoredChunk;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SearchMergeTest {

    @Test
    void theBestOfEveryShardComeFirstByTheMetric() {
        KnnAnswer a = answer("flat", hit("d1", "a", 0.9f), hit("d1", "b", 0.5f));
        KnnAnswer b = answer("ivf", hit("d2", "c", 0.7f), hit("d2", "d", 0.1f));
        assertEquals(List.of("a", "c", "b"), ids(SearchMerge.topK(List.of(a, b), Metric.COSINE, 3)));
        assertEquals(List.of("a", "c"), ids(SearchMerge.topK(List.of(a, b), Metric.DOT, 2)));
        // l2: a distance, lower is closer.
        assertEquals(List.of("d", "b", "c"), ids(SearchMerge.topK(List.of(a, b), Metric.L2, 3)));
        assertEquals("flat+ivf", SearchMerge.topK(List.of(b, a), Metric.COSINE, 1).index(),
                "what answered, in one order");
    }

    @Test
    void groupsMergeWholeByTheirBestHitAndStrategiesAndExhaustivenessAddUp() {
        KnnAnswer a = new KnnAnswer(List.of(hit("d1", "a", 0.9f), hit("d1", "b", 0.2f), hit("d3", "e", 0.6f)),
                "flat", "exact-matches", true);
        KnnAnswer b = new KnnAnswer(List.of(hit("d2", "c", 0.7f), hit("d2", "d", 0.65f)), "ivf", "index-filtered", false);
        KnnAnswer merged = SearchMerge.topGroups(List.of(b, a), Metric.COSINE, 2);
        assertEquals(List.of("a", "b", "c", "d"), ids(merged));
        assertEquals("exact-matches+index-filtered", merged.strategy());
        assertEquals(false, merged.exhaustive());
        assertEquals(List.of("e", "c", "d", "a", "b"), ids(SearchMerge.topGroups(List.of(a, b), Metric.L2, 3)));
        assertEquals(true, SearchMerge.topK(List.of(a), Metric.COSINE, 1).exhaustive());
    }

    @Test
    void kLargerThanAllHitsGivesEveryHit() {
        KnnAnswer a = answer("flat", hit("d1", "a", 0.9f));
        KnnAnswer empty = answer("flat");
        assertEquals(List.of("a"), ids(SearchMerge.topK(List.of(a, empty), Metric.COSINE, 10)));
        assertEquals(List.of(), ids(SearchMerge.topK(List.of(empty, empty), Metric.COSINE, 10)));
    }

    @Test
    void equalScoresAreInDocumentAndChunkIdOrderWhateverTheOrderOfTheShards() {
        List<KnnAnswer> shards = new ArrayList<>(List.of(
                answer("flat", hit("d2", "x", 0.5f), hit("d1", "z", 0.5f)),
                answer("flat", hit("d1", "y", 0.5f)),
                answer("flat", hit("d0", "w", 0.4f))));
        Random random = new Random(7);
        for (int i = 0; i < 10; i++) {
            Collections.shuffle(shards, random);
            assertEquals(List.of("y", "z", "x"), ids(SearchMerge.topK(shards, Metric.COSINE, 3)));
        }
    }

    private static KnnAnswer answer(final String index, final ScoredChunk... hits) {
        return new KnnAnswer(List.of(hits), index, "index", false);
    }

    private static ScoredChunk hit(final String documentId, final String chunkId, final float score) {
        return new ScoredChunk(new ChunkRecord("lib", documentId, chunkId, "", new float[0], "{}", 0, 0, 0), score);
    }

    private static List<String> ids(final KnnAnswer answer) {
        return answer.hits().stream().map(h -> h.chunk().id()).toList();
    }
}
