package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.embed.DjlEmbedder;
import io.vectorstream.embed.Embedder;
import io.vectorstream.embed.Models;
import io.vectorstream.embed.TestModel;
import io.vectorstream.index.SearchParams;
import io.vectorstream.index.Similarity;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.util.Directories;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Text chunks through the real topology on a real broker: the stream embeds them with the model,
 * they are searchable by the meaning of a query text, bad ones become dead letters, and a replay
 * of the events by a fresh application takes every vector from the embedding cache.
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own topics and state: runs beside other tests
class TextEmbeddingPipelineIntegrationTest {

    private static final String MODEL = "all-minilm-l6-v2";
    private static final List<String> TEXTS = List.of(
            "The cat sleeps on the warm windowsill.",
            "Stock markets fell sharply after the interest rate decision.",
            "A recipe for sourdough bread with a crisp crust.",
            "The football team won the championship final on penalties.",
            "Volcanoes erupt when magma rises through the crust.",
            "How to configure a Kafka consumer group.");

    @Test
    void textChunksAreEmbeddedSearchableByMeaningAndReplayedFromTheCache() throws IOException {
        Path cacheDir = Directories.temporary("embedding-cache");
        DjlEmbedder reference = TestModel.embedder();
        Topics topics;
        ConsistencyToken last;
        try (Models models = new Models(TestModel.dir().getParent(), cacheDir, 10_000);
             PipelineHarness pipeline = PipelineHarness.start(models)) {
            topics = pipeline.topics();
            pipeline.publish("notes", """
                    {"type":"library.upserted","libraryId":"notes","payload":{"name":"notes","model":"%s"}}"""
                    .formatted(MODEL));
            pipeline.publish("plain", PipelineHarness.library("plain", 3, "cosine"));
            StringBuilder chunks = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                chunks.append(i == 0 ? "" : ",").append("{\"id\":\"c").append(i).append("\",\"text\":\"")
                        .append(TEXTS.get(i)).append("\"}");
            }
            pipeline.publish("notes", """
                    {"type":"document.upserted","libraryId":"notes","documentId":"d1","payload":{"chunks":[%s]}}"""
                    .formatted(chunks));
            pipeline.publish("notes", textChunk("notes", "c4", TEXTS.get(4)));
            // Bad: text only where the library has no model; empty text. Neither stops the others.
            pipeline.publish("plain", textChunk("plain", "x", "no model here"));
            pipeline.publish("notes", textChunk("notes", "empty", "  "));
            last = pipeline.publish("notes", textChunk("notes", "c5", TEXTS.get(5)));
            pipeline.await(last);

            float[] query = reference.embed(List.of("Which animal is napping in the sun?"),
                    Embedder.Purpose.QUERY)[0];
            assertEquals("c0", nearest(pipeline, query).getFirst());
            float[] sports = reference.embed(List.of("who won the cup"), Embedder.Purpose.QUERY)[0];
            assertEquals("c3", nearest(pipeline, sports).getFirst());

            ChunkRecord stored = pipeline.shards().query(new ShardQuery.GetChunk("notes", "d2", "c4"), null).values()
                    .stream().flatMap(Optional::stream).findFirst().orElseThrow();
            float[] expected = reference.embed(List.of(TEXTS.get(4)), Embedder.Purpose.PASSAGE)[0];
            assertTrue(Similarity.dot(expected, stored.vector(), 0) > 0.9999);

            List<ConsumerRecord<byte[], byte[]>> dead = pipeline.deadLetters(2);
            assertEquals(2, dead.size());
            List<String> fields = dead.stream().map(r -> DeadLetters.header(r.headers(), DeadLetters.FIELD)).sorted().toList();
            assertEquals(List.of("payload.embedding", "payload.text"), fields);

            Models.CacheStats first = models.cacheStats().getFirst();
            assertEquals(TEXTS.size(), first.misses());
            assertEquals(0, first.hits());
        }

        // A fresh application replays the same events from offset 0 with the same cache folder.
        try (Models models = new Models(TestModel.dir().getParent(), cacheDir, 10_000);
             PipelineHarness replay = PipelineHarness.startOn(topics, models)) {
            replay.await(last);
            Models.CacheStats second = models.cacheStats().getFirst();
            assertEquals(TEXTS.size(), second.hits(), "every text found in the cache");
            assertEquals(0, second.misses(), "the model ran on nothing");
            float[] query = reference.embed(List.of("Which animal is napping in the sun?"),
                    Embedder.Purpose.QUERY)[0];
            assertEquals("c0", nearest(replay, query).getFirst());
        }
    }

    @Test
    void aLibraryMustNotNameAModelThatIsNotBuiltOrDisagreeWithItsDimension() {
        try (Models models = new Models(TestModel.dir().getParent(), null, 0);
             PipelineHarness pipeline = PipelineHarness.start(models)) {
            pipeline.publish("m1", """
                    {"type":"library.upserted","libraryId":"m1","payload":{"name":"m1","model":"no-such-model"}}""");
            pipeline.publish("m2", """
                    {"type":"library.upserted","libraryId":"m2","payload":{"name":"m2","model":"%s","dimension":3}}"""
                    .formatted(MODEL));
            List<ConsumerRecord<byte[], byte[]>> dead = pipeline.deadLetters(2);
            assertEquals(List.of("payload.dimension", "payload.model"),
                    dead.stream().map(r -> DeadLetters.header(r.headers(), DeadLetters.FIELD)).sorted().toList());
            assertTrue(DeadLetters.header(dead.stream()
                    .filter(r -> "payload.model".equals(DeadLetters.header(r.headers(), DeadLetters.FIELD)))
                    .findFirst().orElseThrow().headers(), DeadLetters.REASON).contains("no-such-model"));
        }
    }

    private static String textChunk(final String lib, final String chunk, final String text) {
        return """
                {"type":"chunk.upserted","libraryId":"%s","documentId":"d2","chunkId":"%s","payload":{"text":"%s"}}"""
                .formatted(lib, chunk, text);
    }

    private static List<String> nearest(final PipelineHarness pipeline, final float[] query) {
        List<ShardQuery.ScoredChunk> merged = new ArrayList<>();
        pipeline.shards().query(new ShardQuery.Knn("notes", query, 3, SearchParams.DEFAULT), null)
                .values().forEach(answer -> merged.addAll(answer.hits()));
        merged.sort(Comparator.comparingDouble(ShardQuery.ScoredChunk::score).reversed());
        return merged.stream().map(hit -> hit.chunk().id()).toList();
    }

}
