package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.embed.Models;
import io.vectorstream.embed.TestModel;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.schema.Limits;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.store.ShardStoreOptions;
import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Texts of several events are embedded together: events wait (in a changelogged store) until a
 * batch is full, the punctuation runs, or an event that needs no model arrives, and their order
 * is never changed.
 */
class EmbeddingBatchTopologyTest {

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> events;
    private Models models;
    /** Opened at the start of each test, except where a test holds a batch in flight. */
    private GatedEmbedding embedding;

    @BeforeEach
    void start() throws Exception {
        Path state = Directories.temporary("batch-test");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "batch-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        models = new Models(TestModel.dir().getParent(), null, 0);
        embedding = new GatedEmbedding(TextEmbedding.of(models));
        driver = new TopologyTestDriver(VectorstreamTopology.build(Topics.DEFAULT, ShardStoreOptions.SMALL,
                embedding, Limits.DEFAULT, InputEnds.unchecked()), props);
        events = driver.createInputTopic(Topics.DEFAULT.events(), new StringSerializer(), new StringSerializer());
        events.pipeInput("t", """
                {"type":"library.upserted","libraryId":"t","payload":{"name":"t","model":"all-minilm-l6-v2"}}""");
    }

    @AfterEach
    void stop() {
        embedding.open(); // a task that stops waits for its batch in flight
        driver.close();
        models.close();
    }

    @Test
    void textEventsWaitForTheBatchAndArePersistedMeanwhile() {
        embedding.open();
        for (int i = 0; i < 3; i++) {
            events.pipeInput("t", textChunk("c" + i, "sentence number " + i));
        }
        assertEquals(Optional.empty(), chunk("c0"), "held for the batch");
        assertEquals(3, pendingStore().approximateNumEntries(), "held events are in the changelogged store");

        driver.advanceWallClockTime(Duration.ofMillis(EventProcessor.WATERMARK_INTERVAL_MS));
        assertEquals(Optional.empty(), chunk("c0"), "one punctuation: still held, a fuller batch may come");
        assertEquals(Map.of(0, 0L), query(new ShardQuery.Watermarks()),
                "the watermark covers the library event (offset 0) but not the held events");
        driver.advanceWallClockTime(Duration.ofMillis(EventProcessor.WATERMARK_INTERVAL_MS));
        assertEquals(Optional.empty(), chunk("c0"), "second punctuation: given to the embedding thread");
        punctuateUntil(() -> chunk("c2").isPresent());
        assertEquals(Map.of(0, 3L), query(new ShardQuery.Watermarks()));
        for (int i = 0; i < 3; i++) {
            assertEquals("sentence number " + i, chunk("c" + i).orElseThrow().text());
        }
        assertEquals(0, pendingStore().approximateNumEntries());
    }

    @Test
    void anEventThatNeedsNoModelIsHeldBehindTheTextsAndClosesTheirBatch() {
        events.pipeInput("t", textChunk("a", "first written"));
        events.pipeInput("t", "{\"type\":\"chunk.deleted\",\"libraryId\":\"t\",\"documentId\":\"d\",\"chunkId\":\"a\"}");
        assertEquals(2, pendingStore().approximateNumEntries(), "the delete waits behind the held upsert");
        assertTrue(query(new ShardQuery.GetDocument("t", "d")).isEmpty());
        embedding.open(); // no punctuation needed to start: the delete closed the batch
        punctuateUntil(() -> query(new ShardQuery.GetDocument("t", "d")).isPresent());
        assertEquals(Optional.empty(), chunk("a"), "deleted after it was written, not before");
        assertEquals(0, pendingStore().approximateNumEntries());
    }

    @Test
    void aTombstoneHeldBehindTextsBecomesADeadLetterAndTheEventsAroundItAreApplied() {
        events.pipeInput("t", textChunk("a", "before the tombstone"));
        events.pipeInput("t", (String) null);
        events.pipeInput("t", textChunk("b", "after the tombstone"));
        assertEquals(3, pendingStore().approximateNumEntries(), "the tombstone is held in order, like any event");
        embedding.open();
        punctuateUntil(() -> chunk("b").isPresent());
        assertTrue(chunk("a").isPresent());
        var dead = driver.createOutputTopic(Topics.DEFAULT.deadLetter(), new StringDeserializer(),
                new StringDeserializer()).readRecordsToList();
        assertEquals(1, dead.size());
        assertEquals(null, dead.getFirst().value());
        assertEquals(2L, Long.parseLong(DeadLetters.header(dead.getFirst().headers(), DeadLetters.SOURCE_OFFSET)));
        assertTrue(DeadLetters.header(dead.getFirst().headers(), DeadLetters.REASON).startsWith("empty record value"));
    }

    @Test
    void aFullBatchIsEmbeddedOnTheEmbeddingThreadAndForwardedByTheTask() {
        events.pipeInput("t", fullBatchDocument("d"));
        driver.advanceWallClockTime(Duration.ofMillis(EventProcessor.WATERMARK_INTERVAL_MS));
        driver.advanceWallClockTime(Duration.ofMillis(EventProcessor.WATERMARK_INTERVAL_MS));
        assertEquals(0, query(new ShardQuery.GetLibrary("t")).orElseThrow().chunkCount(),
                "being embedded beside the stream thread: nothing forwarded yet");
        assertEquals(1, pendingStore().approximateNumEntries(), "in flight, so still in the changelogged store");
        assertEquals(Map.of(0, 0L), query(new ShardQuery.Watermarks()),
                "the watermark covers the library event, not the batch in flight");
        embedding.open();
        punctuateUntil(() -> query(new ShardQuery.GetLibrary("t")).orElseThrow().chunkCount() > 0);
        assertEquals(EmbeddingBatcher.BATCH_TEXTS, query(new ShardQuery.GetLibrary("t")).orElseThrow().chunkCount(),
                "the whole batch at once");
        assertEquals(0, pendingStore().approximateNumEntries());
        assertEquals(Map.of(0, 1L), query(new ShardQuery.Watermarks()));
    }

    @Test
    void eventsAfterABatchInFlightAreProcessedAfterIt() {
        events.pipeInput("t", fullBatchDocument("d"));
        events.pipeInput("t", textChunk("k1", "rewritten while the batch is embedded"));
        events.pipeInput("t", "{\"type\":\"chunk.deleted\",\"libraryId\":\"t\",\"documentId\":\"d\","
                + "\"chunkId\":\"k0\"}");
        assertEquals(3, pendingStore().approximateNumEntries(), "all held: the batch in flight and the two behind");
        embedding.open();
        punctuateUntil(() -> pendingStore().approximateNumEntries() == 0);
        assertEquals(Optional.empty(), query(new ShardQuery.GetChunk("t", "d", "k0")),
                "deleted after the batch wrote it, not before");
        assertEquals("rewritten while the batch is embedded", chunk("k1").orElseThrow().text(),
                "the later text wins");
        assertEquals(EmbeddingBatcher.BATCH_TEXTS - 1, query(new ShardQuery.GetLibrary("t")).orElseThrow().chunkCount());
    }

    /**
     * Runs punctuations, a real 10 ms apart, until the embedding thread's batch has been forwarded
     * (the task forwards it on its own thread, at a punctuation once the model is done).
     */
    private void punctuateUntil(final BooleanSupplier done) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not forwarded within 30 s");
            Pause.millis(10, "the embedding thread");
            driver.advanceWallClockTime(Duration.ofMillis(EventProcessor.WATERMARK_INTERVAL_MS));
        }
    }

    /** One document.upserted event with {@link EventProcessor#BATCH_TEXTS} text chunks k0, k1, ... */
    private static String fullBatchDocument(final String documentId) {
        StringBuilder chunks = new StringBuilder();
        for (int i = 0; i < EmbeddingBatcher.BATCH_TEXTS; i++) {
            chunks.append(i == 0 ? "" : ",").append("{\"id\":\"k").append(i).append("\",\"text\":\"text ").append(i)
                    .append("\"}");
        }
        return "{\"type\":\"document.upserted\",\"libraryId\":\"t\",\"documentId\":\"" + documentId + "\","
                + "\"payload\":{\"chunks\":[" + chunks + "]}}";
    }

    private static String textChunk(final String id, final String text) {
        return """
                {"type":"chunk.upserted","libraryId":"t","documentId":"d","chunkId":"%s","payload":{"text":"%s"}}"""
                .formatted(id, text);
    }

    private Optional<ChunkRecord> chunk(final String id) {
        return query(new ShardQuery.GetChunk("t", "d", id));
    }

    private KeyValueStore<byte[], byte[]> pendingStore() {
        return driver.getKeyValueStore(VectorstreamTopology.PENDING_EMBEDDING_STORE);
    }

    private <R> R query(final ShardQuery<R> query) {
        StateStore store = driver.getKeyValueStore(VectorstreamTopology.SHARD_STORE);
        return store.query(query, PositionBound.unbounded(), new QueryConfig(false)).getResult();
    }
}
