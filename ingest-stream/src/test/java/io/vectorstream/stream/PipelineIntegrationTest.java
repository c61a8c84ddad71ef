package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.index.SearchParams;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.store.ShardQuery;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** Events published with a plain producer flow through the real topology on a real broker. */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own topics and state: runs beside other tests
class PipelineIntegrationTest {

    private static PipelineHarness pipeline;

    @BeforeAll
    static void start() {
        pipeline = PipelineHarness.start();
    }

    @AfterAll
    static void stop() {
        pipeline.close();
    }

    @Test
    void chunksPublishedByAPlainProducerAreSearchableInExactOrder() {
        Random random = new Random(7);
        pipeline.publish("lib-a", PipelineHarness.library("lib-a", 8, "l2"));
        List<float[]> vectors = new ArrayList<>();
        ConsistencyToken last = null;
        for (int i = 0; i < 60; i++) {
            float[] v = randomVector(random, 8);
            vectors.add(v);
            last = pipeline.publish("lib-a", PipelineHarness.chunk("lib-a", "doc-" + (i % 7), "c" + i, v, "text " + i));
        }
        pipeline.await(last);

        float[] query = randomVector(random, 8);
        List<ShardQuery.ScoredChunk> merged = new ArrayList<>();
        pipeline.shards().query(new ShardQuery.Knn("lib-a", query, 5, SearchParams.DEFAULT), null)
                .values().forEach(answer -> merged.addAll(answer.hits()));
        merged.sort(Comparator.comparingDouble(ShardQuery.ScoredChunk::score)); // l2: lower is closer
        List<String> got = merged.subList(0, 5).stream().map(h -> h.chunk().id()).toList();

        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < vectors.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble(i -> distance(query, vectors.get(i))));
        List<String> expected = order.subList(0, 5).stream().map(i -> "c" + i).toList();
        assertEquals(expected, got);

        Map<Integer, Optional<ShardQuery.LibraryStats>> stats =
                pipeline.shards().query(new ShardQuery.GetLibrary("lib-a"), null);
        int chunks = stats.values().stream().mapToInt(s -> s.orElseThrow().chunkCount()).sum();
        int documents = stats.values().stream().mapToInt(s -> s.orElseThrow().documentCount()).sum();
        assertEquals(60, chunks);
        assertEquals(7, documents);
    }

    /**
     * A bad event as large as the events topic takes is a dead letter too, headers and all, and
     * the pipeline goes on (a dead letter that cannot be written stops the stream thread, again at
     * every restart).
     */
    @Test
    void aBadEventAsLargeAsTheEventsTopicTakesIsStillADeadLetter() {
        try (PipelineHarness own = PipelineHarness.start()) {
            own.publish("big", PipelineHarness.library("big", 3, "cosine"));
            String bad = "{\"type\":\"chunk.upserted\",\"libraryId\":\"big\",\"padding\":\""
                    + "a".repeat(Topics.MAX_EVENT_BYTES - 256 - 80) + "\"}";
            own.publish("big", bad);
            ConsistencyToken good = own.publish("big", PipelineHarness.chunk("big", "d", "after", new float[] {1, 2, 3}, "x"));
            own.await(good);
            List<ConsumerRecord<byte[], byte[]>> dead = own.deadLetters(1);
            assertEquals(1, dead.size());
            assertEquals(bad.length(), dead.getFirst().value().length);
        }
    }

    @Test
    void badEventsGoToTheDeadLetterTopicWhileGoodOnesAroundThemAreApplied() {
        pipeline.publish("lib-b", PipelineHarness.library("lib-b", 3, "cosine"));
        pipeline.publish("lib-b", "{not json");
        pipeline.publish("lib-b", PipelineHarness.chunk("lib-b", "d", "wrong-dim", new float[] {1, 2}, "x"));
        pipeline.publish("lib-b", PipelineHarness.chunk("lib-b", "d", "zero", new float[] {0, 0, 0}, "x"));
        pipeline.publish("nope", PipelineHarness.chunk("nope", "d", "c", new float[] {1, 2, 3}, "x"));
        pipeline.publish("other-key", PipelineHarness.chunk("lib-b", "d", "c", new float[] {1, 2, 3}, "x"));
        pipeline.publish("lib-b", "{\"type\":\"chunk.upserted\",\"libraryId\":\"lib-b\",\"documentId\":\"d\"}");
        ConsistencyToken good = pipeline.publish("lib-b",
                PipelineHarness.chunk("lib-b", "d", "good", new float[] {3, 0, 4}, "fine"));
        pipeline.await(good);

        Map<Integer, Optional<ChunkRecord>> found =
                pipeline.shards().query(new ShardQuery.GetChunk("lib-b", "d", "good"), null);
        ChunkRecord chunk = found.values().stream().flatMap(Optional::stream).findFirst().orElseThrow();
        assertEquals(0.6f, chunk.vector()[0], 1e-6, "cosine vectors are stored unit length");
        assertEquals(0.8f, chunk.vector()[2], 1e-6);

        List<ConsumerRecord<byte[], byte[]>> dead = pipeline.deadLetters(6);
        assertEquals(6, dead.size());
        Map<String, String> reasonByChunkOrValue = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : dead) {
            String value = new String(record.value(), StandardCharsets.UTF_8);
            String reason = DeadLetters.header(record.headers(), DeadLetters.REASON);
            String key = new String(record.key(), StandardCharsets.UTF_8);
            String label = value.startsWith("{not") ? "malformed" : value.contains("wrong-dim") ? "wrong-dim"
                    : value.contains("\"zero\"") ? "zero" : key.equals("nope") ? "unknown"
                    : key.equals("other-key") ? "key" : "schema";
            reasonByChunkOrValue.put(label, reason);
            assertEquals(pipeline.topics().events(), DeadLetters.header(record.headers(), DeadLetters.SOURCE_TOPIC));
            assertTrue(Long.parseLong(DeadLetters.header(record.headers(), DeadLetters.SOURCE_OFFSET)) >= 0);
        }
        assertTrue(reasonByChunkOrValue.get("malformed").startsWith("malformed JSON"), reasonByChunkOrValue.toString());
        assertTrue(reasonByChunkOrValue.get("wrong-dim").contains("dimension 2 differs"), reasonByChunkOrValue.toString());
        assertTrue(reasonByChunkOrValue.get("zero").contains("zero vector"), reasonByChunkOrValue.toString());
        assertTrue(reasonByChunkOrValue.get("unknown").contains("unknown library 'nope'"), reasonByChunkOrValue.toString());
        assertTrue(reasonByChunkOrValue.get("key").contains("record key must be the library id"),
                reasonByChunkOrValue.toString());
        assertTrue(reasonByChunkOrValue.get("schema").contains("required property 'chunkId'"), reasonByChunkOrValue.toString());
    }

    static float[] randomVector(final Random random, final int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    static double distance(final float[] a, final float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }
}
