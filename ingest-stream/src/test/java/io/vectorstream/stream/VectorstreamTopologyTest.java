package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.embed.Models;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import io.vectorstream.schema.Limits;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.store.ShardStoreOptions;
import io.vectorstream.util.Directories;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The topology's rules, one process, no broker: cascades, replacement, watermarks, dead letters. */
class VectorstreamTopologyTest {

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> events;

    @BeforeEach
    void start() throws Exception {
        Path state = Directories.temporary("topology-test");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        driver = new TopologyTestDriver(VectorstreamTopology.build(Topics.DEFAULT, ShardStoreOptions.SMALL,
                TextEmbedding.of(Models.none()), Limits.DEFAULT, InputEnds.unchecked()), props);
        events = driver.createInputTopic(Topics.DEFAULT.events(), new StringSerializer(), new StringSerializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private <R> R query(final ShardQuery<R> query) {
        StateStore store = driver.getKeyValueStore(VectorstreamTopology.SHARD_STORE);
        return store.query(query, PositionBound.unbounded(), new QueryConfig(false)).getResult();
    }

    private void send(final String key, final String json) {
        events.pipeInput(key, json);
    }

    @Test
    void deletingADocumentDeletesItsChunksAndDeletingALibraryDeletesEverything() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        send("l", "{\"type\":\"document.upserted\",\"libraryId\":\"l\",\"documentId\":\"d1\",\"payload\":{\"chunks\":["
                + "{\"id\":\"a\",\"embedding\":[1,0]},{\"id\":\"b\",\"embedding\":[0,1]}]}}");
        send("l", PipelineHarness.chunk("l", "d2", "c", new float[] {1, 1}, "implicit document"));
        assertEquals(3, query(new ShardQuery.GetLibrary("l")).orElseThrow().chunkCount());
        assertTrue(query(new ShardQuery.GetDocument("l", "d2")).isPresent(), "a chunk creates its document");

        send("l", "{\"type\":\"document.deleted\",\"libraryId\":\"l\",\"documentId\":\"d1\"}");
        assertEquals(Optional.empty(), query(new ShardQuery.GetChunk("l", "d1", "a")));
        assertEquals(1, query(new ShardQuery.GetLibrary("l")).orElseThrow().chunkCount());
        assertEquals(List.of("c"), query(new ShardQuery.Knn("l", new float[] {1, 0}, 5, SearchParams.DEFAULT)).hits().stream()
                .map(hit -> hit.chunk().id()).toList());

        send("l", "{\"type\":\"library.deleted\",\"libraryId\":\"l\"}");
        assertEquals(Optional.empty(), query(new ShardQuery.GetLibrary("l")));
        assertEquals(Optional.empty(), query(new ShardQuery.GetChunk("l", "d2", "c")));
        assertEquals(List.of(), query(new ShardQuery.ListDocuments("l", null, 10)));
        // Gone from the validation stage too: writes to it are now dead letters.
        send("l", PipelineHarness.chunk("l", "d2", "c", new float[] {1, 1}, "x"));
        assertEquals(1, driver.createOutputTopic(Topics.DEFAULT.deadLetter(), new StringDeserializer(),
                new StringDeserializer()).readRecordsToList().size());
    }

    @Test
    void aDocumentPutWithChunksReplacesThemAndRewritesKeepCreationTime() {
        send("l", PipelineHarness.library("l", 2, "l2"));
        events.pipeInput(new TestRecord<>("l", "{\"type\":\"document.upserted\",\"libraryId\":\"l\",\"documentId\":\"d\","
                + "\"payload\":{\"chunks\":[{\"id\":\"a\",\"embedding\":[1,0]},{\"id\":\"b\",\"embedding\":[0,1]}]}}",
                Instant.ofEpochMilli(1_000)));
        events.pipeInput(new TestRecord<>("l", "{\"type\":\"document.upserted\",\"libraryId\":\"l\",\"documentId\":\"d\","
                + "\"payload\":{\"chunks\":[{\"id\":\"b\",\"text\":\"new\",\"embedding\":[2,2]}]}}",
                Instant.ofEpochMilli(5_000)));
        List<ChunkRecord> chunks = query(new ShardQuery.ListChunks("l", "d", null, 10));
        assertEquals(List.of("b"), chunks.stream().map(ChunkRecord::id).toList());
        assertEquals("new", chunks.getFirst().text());
        assertEquals(1_000, chunks.getFirst().createdAt());
        assertEquals(5_000, chunks.getFirst().updatedAt());
        assertEquals(2, chunks.getFirst().version(), "the version is the offset of the event that wrote it");
    }

    @Test
    void watermarksReachTheShardOnlyAfterTheRecordsTheyCover() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        send("l", PipelineHarness.chunk("l", "d", "c", new float[] {1, 0}, "x"));
        assertEquals(Map.of(), query(new ShardQuery.Watermarks()));
        driver.advanceWallClockTime(Duration.ofMillis(EventProcessor.WATERMARK_INTERVAL_MS));
        assertEquals(Map.of(0, 1L), query(new ShardQuery.Watermarks()));
        assertTrue(ConsistencyToken.of(0, 1).isSatisfiedBy(query(new ShardQuery.Watermarks())));
        assertTrue(query(new ShardQuery.GetChunk("l", "d", "c")).isPresent());
    }

    @Test
    void aRecordTheShardCannotApplyIsADeadLetterAndTheShardGoesOn() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        TestInputTopic<byte[], byte[]> chunks = driver.createInputTopic(Topics.DEFAULT.chunks(),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        chunks.pipeInput(new byte[] {42, 1, 2}, new byte[] {1});
        send("l", PipelineHarness.chunk("l", "d", "after", new float[] {1, 0}, "x"));
        var dead = driver.createOutputTopic(Topics.DEFAULT.deadLetter(), new StringDeserializer(),
                new StringDeserializer()).readRecordsToList();
        assertEquals(1, dead.size());
        assertTrue(DeadLetters.header(dead.getFirst().headers(), DeadLetters.REASON).startsWith("cannot apply"));
        assertEquals(Topics.DEFAULT.chunks(), DeadLetters.header(dead.getFirst().headers(), DeadLetters.SOURCE_TOPIC));
        assertTrue(query(new ShardQuery.GetChunk("l", "d", "after")).isPresent());
    }

    @Test
    void aLibraryKeepsItsDimensionAndMetric() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        send("l", PipelineHarness.library("l", 3, "dot"));
        send("l", PipelineHarness.library("l", 2, "l2"));
        var dead = driver.createOutputTopic(Topics.DEFAULT.deadLetter(), new StringDeserializer(),
                new StringDeserializer()).readRecordsToList();
        assertEquals(2, dead.size());
        assertEquals("payload.dimension", DeadLetters.header(dead.get(0).headers(), DeadLetters.FIELD));
        assertEquals("payload.metric", DeadLetters.header(dead.get(1).headers(), DeadLetters.FIELD));
        assertEquals(2, query(new ShardQuery.GetLibrary("l")).orElseThrow().library().dimension());
    }

    private static String libraryNamed(final String name, final long expectedVersion) {
        return """
                {"type":"library.upserted","libraryId":"l","expectedVersion":%d,\
                "payload":{"name":"%s","dimension":2,"metric":"dot"}}""".formatted(expectedVersion, name);
    }

    @Test
    void aLibraryWriteWithAnExpectedVersionAppliesOnlyAgainstThatVersion() {
        send("l", libraryNamed("first create", -1)); // offset 0: the library's version is 0
        send("l", libraryNamed("second create", -1)); // 1: it exists
        send("l", libraryNamed("stale", 7)); // 2: it is at 0
        send("l", libraryNamed("renamed", 0)); // 3: applied, version 3
        send("l", libraryNamed("made against version 0", 0)); // 4: it is at 3 now
        send("l", """
                {"type":"chunk.upserted","libraryId":"l","documentId":"d","chunkId":"c","expectedVersion":3,\
                "payload":{"embedding":[1,0]}}"""); // 5: libraries only
        var dead = driver.createOutputTopic(Topics.DEFAULT.deadLetter(), new StringDeserializer(),
                new StringDeserializer()).readRecordsToList();
        assertEquals(List.of(1L, 2L, 4L, 5L), dead.stream()
                .map(r -> Long.parseLong(DeadLetters.header(r.headers(), DeadLetters.SOURCE_OFFSET))).toList());
        dead.forEach(r -> assertEquals("expectedVersion", DeadLetters.header(r.headers(), DeadLetters.FIELD)));
        assertTrue(DeadLetters.header(dead.get(0).headers(), DeadLetters.REASON).contains("already exists"));
        assertTrue(DeadLetters.header(dead.get(2).headers(), DeadLetters.REASON).contains("is at version 3"));
        var library = query(new ShardQuery.GetLibrary("l")).orElseThrow().library();
        assertEquals("renamed", library.name());
        assertEquals(3, library.version());
        assertEquals(Optional.empty(), query(new ShardQuery.GetChunk("l", "d", "c")));
    }

    @Test
    void occurredAtWithASpaceBetweenDateAndTimeIsTheChunksTime() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        send("l", """
                {"type":"chunk.upserted","libraryId":"l","documentId":"d","chunkId":"c",\
                "occurredAt":"2026-01-02 03:04:05Z","payload":{"embedding":[1,0]}}""");
        assertEquals(Instant.parse("2026-01-02T03:04:05Z").toEpochMilli(),
                query(new ShardQuery.GetChunk("l", "d", "c")).orElseThrow().createdAt());
    }

    @Test
    void aChunkEventWhosePayloadNamesAnotherIdIsADeadLetter() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        send("l", """
                {"type":"chunk.upserted","libraryId":"l","documentId":"d","chunkId":"a","payload":{"id":"b","embedding":[1,0]}}""");
        send("l", """
                {"type":"chunk.upserted","libraryId":"l","documentId":"d","chunkId":"a","payload":{"id":"a","embedding":[0,1]}}""");
        var dead = driver.createOutputTopic(Topics.DEFAULT.deadLetter(), new StringDeserializer(),
                new StringDeserializer()).readRecordsToList();
        assertEquals(List.of("payload.id"), dead.stream()
                .map(r -> DeadLetters.header(r.headers(), DeadLetters.FIELD)).toList());
        assertTrue(query(new ShardQuery.GetChunk("l", "d", "a")).isPresent());
        assertEquals(Optional.empty(), query(new ShardQuery.GetChunk("l", "d", "b")));
    }

    @Test
    void vectorsTooLongForFloatScoresAreDeadLettersUnderDotAndL2() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        send("l", PipelineHarness.chunk("l", "d", "huge", new float[] {1e20f, 1e20f}, "x"));
        send("l", PipelineHarness.chunk("l", "d", "fine", new float[] {1e18f, 1e18f}, "x"));
        var dead = driver.createOutputTopic(Topics.DEFAULT.deadLetter(), new StringDeserializer(),
                new StringDeserializer()).readRecordsToList();
        assertEquals(List.of("payload.embedding"), dead.stream()
                .map(r -> DeadLetters.header(r.headers(), DeadLetters.FIELD)).toList());
        assertTrue(query(new ShardQuery.GetChunk("l", "d", "fine")).isPresent());
    }

    @Test
    void anEventWithContentAfterItsJsonIsADeadLetter() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        send("l", PipelineHarness.chunk("l", "d", "a", new float[] {1, 0}, "x")
                + PipelineHarness.chunk("l", "d", "b", new float[] {0, 1}, "x"));
        var dead = driver.createOutputTopic(Topics.DEFAULT.deadLetter(), new StringDeserializer(),
                new StringDeserializer()).readRecordsToList();
        assertEquals(1, dead.size());
        assertTrue(DeadLetters.header(dead.getFirst().headers(), DeadLetters.REASON).startsWith("malformed JSON"));
        assertEquals(Optional.empty(), query(new ShardQuery.GetChunk("l", "d", "a")));
    }

    @Test
    void anIndexTooLargeToBuildIsADeadLetterNamingItsParameter() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        send("l", """
                {"type":"library.upserted","libraryId":"l","payload":{"name":"l","dimension":2,"metric":"dot",\
                "index":{"kind":"lsh","params":{"tables":1000000}}}}""");
        send("l", PipelineHarness.chunk("l", "d", "after", new float[] {1, 0}, "x"));
        var dead = driver.createOutputTopic(Topics.DEFAULT.deadLetter(), new StringDeserializer(),
                new StringDeserializer()).readRecordsToList();
        assertEquals(1, dead.size());
        assertEquals("payload.index.params.tables", DeadLetters.header(dead.getFirst().headers(), DeadLetters.FIELD));
        assertFalse(query(new ShardQuery.GetLibrary("l")).orElseThrow().library().indexJson().contains("lsh"));
        assertTrue(query(new ShardQuery.GetChunk("l", "d", "after")).isPresent());
    }

    private List<TestRecord<String, String>> deadLetters() {
        return driver.createOutputTopic(Topics.DEFAULT.deadLetter(), new StringDeserializer(), new StringDeserializer())
                .readRecordsToList();
    }

    @Test
    void recordsPastTheLimitsAreDeadLettersNamingTheFieldAndTheLimit() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        // The library of the report that bricked the service: about 15 MB of metadata.
        send("big", """
                {"type":"library.upserted","libraryId":"big","payload":{"name":"big","dimension":2,"metadata":%s}}"""
                .formatted(PipelineHarness.largeMetadata(60)));
        send("l", """
                {"type":"document.upserted","libraryId":"l","documentId":"d","payload":{"metadata":%s}}"""
                .formatted(PipelineHarness.largeMetadata(1)));
        send("l", """
                {"type":"chunk.upserted","libraryId":"l","documentId":"d","chunkId":"c","payload":                {"embedding":[1,0],"metadata":%s}}""".formatted(PipelineHarness.largeMetadata(1)));
        String chunks = String.join(",", Collections.nCopies(10_001, "{\"id\":\"x\",\"embedding\":[1,0]}"));
        send("l", """
                {"type":"document.upserted","libraryId":"l","documentId":"many","payload":{"chunks":[%s]}}"""
                .formatted(chunks));
        send("l", PipelineHarness.chunk("l", "d", "after", new float[] {1, 0}, "x"));

        var dead = deadLetters();
        assertEquals(List.of("payload.metadata", "payload.metadata", "payload.metadata", "payload.chunks"),
                dead.stream().map(r -> DeadLetters.header(r.headers(), DeadLetters.FIELD)).toList());
        assertTrue(DeadLetters.header(dead.getFirst().headers(), DeadLetters.REASON)
                .contains("vectorstream.limits.metadata-bytes"), DeadLetters.header(dead.getFirst().headers(),
                DeadLetters.REASON));
        assertTrue(DeadLetters.header(dead.get(3).headers(), DeadLetters.REASON).contains("at most 10000 chunks"));
        assertEquals(Optional.empty(), query(new ShardQuery.GetLibrary("big")));
        assertEquals(Optional.empty(), query(new ShardQuery.GetDocument("l", "many")));
        assertTrue(query(new ShardQuery.GetChunk("l", "d", "after")).isPresent(), "the next good event applies");
    }

    @Test
    void forgedRecordsOnTheChunksTopicAreDeadLettersAndTheShardGoesOn() {
        send("l", PipelineHarness.library("l", 2, "dot"));
        TestInputTopic<byte[], byte[]> chunks = driver.createInputTopic(Topics.DEFAULT.chunks(),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        byte[] chunk = RecordCodec.encode(new ChunkRecord("l", "d", "c", "t", new float[] {1, 0},
                "{}", 1, 2, 3));
        ByteBuffer.wrap(chunk).putInt(1 + 4 + 1 + 4 + 1 + 4 + 1 + 4 + 1, Integer.MAX_VALUE); // the vector's count
        chunks.pipeInput(new RecordKey.ChunkKey("l", "d", "c").encode(), chunk);
        chunks.pipeInput(new RecordKey.LibraryKey("../../escape").encode(),
                RecordCodec.encode(new LibraryRecord("../../escape", "x",
                        "{}", 2, Metric.DOT, "{\"kind\":\"ivf\"}", 1, 2, 3, null)));
        byte[] hugeDimension = RecordCodec.encode(new LibraryRecord(
                "m", "m", "{}", 2, Metric.DOT, "{\"kind\":\"flat\"}", 1, 2, 3, null));
        ByteBuffer.wrap(hugeDimension).putInt(1 + 4 + 1 + 4 + 1 + 4 + 2, Integer.MAX_VALUE);
        chunks.pipeInput(new RecordKey.LibraryKey("m").encode(), hugeDimension);
        chunks.pipeInput(new RecordKey.WatermarkKey(0).encode(), new byte[] {1, 2, 3});
        send("l", PipelineHarness.chunk("l", "d", "after", new float[] {1, 0}, "x"));

        var dead = deadLetters();
        assertEquals(4, dead.size(), dead.toString());
        dead.forEach(letter -> assertEquals(Topics.DEFAULT.chunks(),
                DeadLetters.header(letter.headers(), DeadLetters.SOURCE_TOPIC)));
        assertTrue(query(new ShardQuery.GetChunk("l", "d", "after")).isPresent(), "the next good record applies");
        assertEquals(Optional.empty(), query(new ShardQuery.GetLibrary("m")));
        assertEquals(Optional.empty(), query(new ShardQuery.GetChunk("l", "d", "c")));
    }

    @Test
    void aRecordTooLargeForTheInternalTopicsIsADeadLetterNotASend() {
        var record = new EventTranslator.ShardRecord(new RecordKey.LibraryKey("l"),
                new byte[Topics.MAX_RECORD_BYTES]);
        var outcome = EventTranslator.withRecordsThatFit(new EventTranslator.Accepted(List.of(record)));
        assertTrue(outcome instanceof EventTranslator.Rejected rejected && rejected.reason().contains("over the"),
                outcome.toString());
        var fits = new EventTranslator.ShardRecord(new RecordKey.LibraryKey("l"),
                new byte[Topics.MAX_RECORD_BYTES - 1_000]);
        assertTrue(EventTranslator.withRecordsThatFit(new EventTranslator.Accepted(List.of(fits)))
                instanceof EventTranslator.Accepted);
    }
}
