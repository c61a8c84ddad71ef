package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.DocumentRecord;
import io.vectorstream.record.DocumentUpsert;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import io.vectorstream.schema.Limits;
import io.vectorstream.store.ChronicleShardStore;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.testing.KafkaFixture;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * No record on any topic the topology reads can stop a stream thread, make a restart fail or take
 * the heap (README "The pipeline's invariant"): on a real broker, each kind of poison is followed
 * by a good write that must apply, and a restart that must come up running, with no stream thread
 * lost on the way.
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own topics and state: runs beside other tests
class PoisonPillIntegrationTest {

    /** Texts are kept small here, so that the text limit is reached within the schema's 65,536 characters. */
    private static final Limits LIMITS = new Limits(64 * 1024, 4_096, Limits.MAX_CHUNKS_PER_DOCUMENT);

    @Test
    void oversizedAndMalformedEventsAreDeadLettersAndTheNextWritesApply() {
        PipelineHarness pipeline = PipelineHarness.start(LIMITS);
        try {
            pipeline.await(pipeline.publish("lib", PipelineHarness.library("lib", 2, "dot")));
            // The report's event: 60 lists of 250 strings of 1,000 characters, about 15 MB, each within the schema.
            pipeline.publish("big", """
                    {"type":"library.upserted","libraryId":"big","payload":{"name":"big","dimension":2,"metadata":%s}}"""
                    .formatted(PipelineHarness.largeMetadata(60)));
            pipeline.await(good(pipeline, "after-library"));
            pipeline.publish("lib", """
                    {"type":"document.upserted","libraryId":"lib","documentId":"d","payload":{"metadata":%s}}"""
                    .formatted(PipelineHarness.largeMetadata(1)));
            pipeline.publish("lib", """
                    {"type":"chunk.upserted","libraryId":"lib","documentId":"d","chunkId":"m","payload":\
                    {"embedding":[1,0],"metadata":%s}}""".formatted(PipelineHarness.largeMetadata(1)));
            pipeline.publish("lib", """
                    {"type":"chunk.upserted","libraryId":"lib","documentId":"d","chunkId":"t","payload":\
                    {"embedding":[1,0],"text":"%s"}}""".formatted("é".repeat(3_000)));
            String chunks = String.join(",", Collections.nCopies(20_000, "{\"id\":\"x\",\"embedding\":[1,0]}"));
            pipeline.publish("lib", """
                    {"type":"document.upserted","libraryId":"lib","documentId":"many","payload":{"chunks":[%s]}}"""
                    .formatted(chunks));
            pipeline.await(good(pipeline, "after-documents"));
            List<byte[][]> malformed = malformedEvents(1_000, new Random(15));
            for (byte[][] event : malformed) {
                pipeline.publishBytes(event[0], event[1]);
            }
            pipeline.await(good(pipeline, "after-malformed"));

            int expected = 5 + malformed.size();
            List<ConsumerRecord<byte[], byte[]>> dead = pipeline.deadLetters(expected);
            assertEquals(expected, dead.size());
            Map<String, String> fields = new TreeMap<>();
            int overLimits = 0;
            for (ConsumerRecord<byte[], byte[]> letter : dead) {
                String reason = DeadLetters.header(letter.headers(), DeadLetters.REASON);
                if (reason.contains("(vectorstream.limits.")) {
                    overLimits++;
                    fields.put(reason.replaceAll(" \\d+", " N"), DeadLetters.header(letter.headers(), DeadLetters.FIELD));
                }
            }
            assertEquals(5, overLimits);
            assertEquals(Map.of(
                    "metadata takes N bytes as stored JSON, over the limit of N (vectorstream.limits.metadata-bytes)",
                    "payload.metadata",
                    "text takes N bytes in UTF-8, over the limit of N (vectorstream.limits.text-bytes)", "payload.text",
                    "a document event carries at most N chunks (vectorstream.limits.chunks-per-document), this one N: "
                            + "send the rest as chunk events", "payload.chunks"), fields);
            dead.forEach(letter -> assertTrue(DeadLetters.header(letter.headers(), DeadLetters.REASON) != null));
            assertEquals(0, pipeline.replacedThreads(), "no stream thread failed");
            assertFalse(has(pipeline, new ShardQuery.GetLibrary("big")));
            pipeline.close();

            pipeline = pipeline.restartClosed();
            assertEquals(KafkaStreams.State.RUNNING, pipeline.streams().state());
            pipeline.await(good(pipeline, "after-restart"));
            for (String id : List.of("after-library", "after-documents", "after-malformed", "after-restart")) {
                assertTrue(has(pipeline, new ShardQuery.GetChunk("lib", "good", id)), id);
            }
            assertEquals(0, pipeline.replacedThreads());
        } finally {
            pipeline.close();
        }
    }

    @Test
    void forgedRecordsOnTheChunksTopicAreDeadLettersAndAForgedWatermarkIsIgnored() throws Exception {
        PipelineHarness pipeline = PipelineHarness.start(LIMITS);
        try {
            pipeline.await(pipeline.publish("lib", PipelineHarness.library("lib", 2, "dot")));
            ConsistencyToken last = good(pipeline, "before");
            pipeline.await(last);
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                String topic = pipeline.topics().chunks();
                byte[] chunk = RecordCodec.encode(new ChunkRecord("lib", "d", "c", "t", new float[] {1, 0}, "{}", 1, 2, 3));
                byte[] hugeCount = chunk.clone();
                ByteBuffer.wrap(hugeCount).putInt(1 + 4 + 3 + 4 + 1 + 4 + 1 + 4 + 1, Integer.MAX_VALUE);
                byte[] hugeString = chunk.clone();
                ByteBuffer.wrap(hugeString).putInt(1, Integer.MAX_VALUE);
                byte[] documentIds = RecordCodec.encode(new DocumentUpsert(new DocumentRecord("lib", "d", "{}", 1, 2, 3),
                        List.of("a")));
                ByteBuffer.wrap(documentIds).putInt(documentIds.length - 4 - 1 - 4, Integer.MAX_VALUE);
                LibraryRecord escaping = new LibraryRecord("../../escape", "x", "{}", 2, Metric.DOT,
                        "{\"kind\":\"ivf\",\"params\":{\"trainThreshold\":1}}", 1, 2, 3, null);
                List<byte[][]> forged = List.of(
                        new byte[][] {new RecordKey.ChunkKey("lib", "d", "c").encode(), hugeCount},
                        new byte[][] {new RecordKey.ChunkKey("lib", "d", "c").encode(), hugeString},
                        new byte[][] {new RecordKey.DocumentKey("lib", "d").encode(), documentIds},
                        new byte[][] {new RecordKey.LibraryKey("../../escape").encode(), RecordCodec.encode(escaping)},
                        new byte[][] {new byte[] {42, 1, 2}, new byte[] {1}},
                        new byte[][] {new RecordKey.WatermarkKey(0).encode(), new byte[] {1, 2, 3}});
                for (int partition = 0; partition < 3; partition++) {
                    for (byte[][] record : forged) {
                        producer.send(new ProducerRecord<>(topic, partition, record[0], record[1])).get();
                    }
                    // A watermark past the end of every input partition: taken, every token would count as applied.
                    for (int input = 0; input < 3; input++) {
                        producer.send(new ProducerRecord<>(topic, partition, new RecordKey.WatermarkKey(input).encode(),
                                RecordCodec.encodeOffset(Long.MAX_VALUE))).get();
                    }
                }
            }
            ConsistencyToken after = good(pipeline, "after");
            pipeline.await(after);
            assertTrue(has(pipeline, new ShardQuery.GetChunk("lib", "good", "after")));
            assertEquals(3 * 6, pipeline.deadLetters(3 * 6).size());
            try (var files = Files.walk(pipeline.stateDir().getParent())) {
                assertFalse(files.anyMatch(file -> file.getFileName().toString().startsWith("escape")),
                        "an id from a forged record named no file");
            }
            // The forged watermark was not taken: a write not made yet is not "applied".
            ConsistencyToken future = ConsistencyToken.of(after.offsets().keySet().iterator().next(),
                    after.offsets().values().iterator().next() + 1_000);
            assertFalse(pipeline.shards().awaitApplied(future, null, Duration.ofSeconds(1)),
                    "a token past the end is not satisfied");
            assertEquals(0, pipeline.replacedThreads());
            pipeline.close();

            pipeline = pipeline.restartClosed();
            pipeline.await(good(pipeline, "after-restart"));
            assertFalse(pipeline.shards().awaitApplied(future, null, Duration.ofMillis(200)));
            assertEquals(0, pipeline.replacedThreads());
        } finally {
            pipeline.close();
        }
    }

    @Test
    void forgedChangelogRecordsAreSkippedAndTheRestartComesUp() throws Exception {
        PipelineHarness pipeline = PipelineHarness.start(LIMITS);
        try {
            pipeline.await(pipeline.publish("lib", PipelineHarness.library("lib", 2, "dot")));
            pipeline.await(good(pipeline, "before"));
            pipeline.close();

            String app = pipeline.settings().applicationId();
            long skippedBefore = ChronicleShardStore.skippedOnRestore();
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                for (int partition = 0; partition < 3; partition++) {
                    String shards = Topics.changelogOf(app, VectorstreamTopology.SHARD_STORE);
                    send(producer, shards, partition, new RecordKey.ChunkKey("lib", "d", "x").encode(), new byte[] {1, 0});
                    send(producer, shards, partition, new byte[] {9, 9}, new byte[] {1});
                    send(producer, shards, partition, new RecordKey.LibraryKey("lib2").encode(), new byte[] {1, -1, -1});
                    // A forged value for a chunk that exists: the chunk keeps its value.
                    send(producer, shards, partition, new RecordKey.ChunkKey("lib", "good", "before").encode(),
                            new byte[] {1, 0, 0});
                    // A chunk whose vector reads but whose record does not (cut after the vector): a
                    // search that met it would fail to read it back.
                    byte[] whole = RecordCodec.encode(new ChunkRecord("lib", "good", "cut", "t", new float[] {1, 0}, "{}",
                            1, 2, 3));
                    send(producer, shards, partition, new RecordKey.ChunkKey("lib", "good", "cut").encode(),
                            Arrays.copyOf(whole, whole.length - 30));
                    send(producer, Topics.changelogOf(app, VectorstreamTopology.LIBRARY_SETTINGS_STORE), partition,
                            "forged".getBytes(StandardCharsets.UTF_8), new byte[] {1, 0, 0, 0, 99});
                    send(producer, Topics.changelogOf(app, VectorstreamTopology.PENDING_EMBEDDING_STORE), partition,
                            RecordCodec.encodeOffset(1), new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 127, -1, -1, -1});
                    send(producer, Topics.changelogOf(app, VectorstreamTopology.PENDING_EMBEDDING_STORE), partition,
                            new byte[] {1, 2, 3}, new byte[] {1});
                    send(producer, Topics.changelogOf(app, VectorstreamTopology.VALIDATION_PROGRESS_STORE), partition,
                            EventProcessor.PROCESSED.getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
                }
            }

            pipeline = pipeline.restartClosed();
            assertEquals(KafkaStreams.State.RUNNING, pipeline.streams().state());
            // The validation stage's record of library 'forged' is unreadable: its events are dead letters.
            pipeline.publish("forged", PipelineHarness.chunk("forged", "d", "c", new float[] {1, 0}, "x"));
            pipeline.await(good(pipeline, "after-restart"));
            assertEquals(1, pipeline.deadLetters(1).size());
            assertTrue(has(pipeline, new ShardQuery.GetChunk("lib", "good", "before")));
            assertTrue(has(pipeline, new ShardQuery.GetChunk("lib", "good", "after-restart")));
            assertFalse(has(pipeline, new ShardQuery.GetChunk("lib", "d", "x")));
            assertFalse(has(pipeline, new ShardQuery.GetChunk("lib", "good", "cut")));
            pipeline.shards().query(new ShardQuery.Knn("lib", new float[] {1, 0}, 10,
                    SearchParams.DEFAULT), null); // reads every hit back: none fails
            assertTrue(ChronicleShardStore.skippedOnRestore() - skippedBefore >= 5,
                    "the shards' forged records were skipped");
            assertEquals(0, pipeline.replacedThreads());
        } finally {
            pipeline.close();
        }
    }

    private static ConsistencyToken good(final PipelineHarness pipeline, final String id) {
        return pipeline.publish("lib", PipelineHarness.chunk("lib", "good", id, new float[] {1, 0}, id));
    }

    private static boolean has(final PipelineHarness pipeline, final ShardQuery<? extends Optional<?>> query) {
        return pipeline.shards().query(query, null).values().stream().anyMatch(Optional::isPresent);
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers());
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(final KafkaProducer<byte[], byte[]> producer, final String topic, final int partition,
                             final byte[] key, final byte[] value) throws InterruptedException, ExecutionException {
        producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
    }

    /**
     * {@code count} events that are each a dead letter, of many kinds: bytes that are not JSON or not
     * UTF-8, cut events, deep nesting, values of the wrong type, unknown types and fields, a missing
     * key or value, numbers past any range, vectors of the wrong size, trailing content, ids too long.
     */
    static List<byte[][]> malformedEvents(final int count, final Random random) {
        String good = PipelineHarness.chunk("lib", "d", "c", new float[] {1, 0}, "x");
        List<byte[][]> events = new ArrayList<>(count);
        byte[] key = "lib".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < count; i++) {
            String value = switch (i % 16) {
                case 0 -> null; // random bytes, below
                case 1 -> good.substring(0, random.nextInt(good.length() - 1));
                case 2 -> "[".repeat(2_000 + random.nextInt(5_000));
                case 3 -> List.of("42", "\"text\"", "[1,2]", "null", "true", "").get(random.nextInt(6));
                case 4 -> good.replace("chunk.upserted", "chunk.exploded" + i);
                case 5 -> good.replace("[1.0, 0.0]", List.of("\"!!!\"", "[1,\"a\"]", "\"AAA\"", "{}", "[]",
                        "[1e400,0]").get(random.nextInt(6)));
                case 6 -> PipelineHarness.library("lib", random.nextInt(3) - 1, "dot");
                case 7 -> good.replace("\"documentId\":\"d\"", "\"documentId\":\"" + "x".repeat(200 + i) + "\"");
                case 8 -> good.replace("[1.0, 0.0]", "\"AACAPw==\""); // one float32: the wrong dimension
                case 9 -> good + (random.nextBoolean() ? " garbage" : good);
                case 10 -> good.replace("\"type\"", "\"unexpected\":" + i + ",\"type\"");
                case 11 -> "{\"type\":\"document.upserted\",\"libraryId\":\"lib\",\"documentId\":\"d\",\"payload\":null}";
                case 12 -> good.replace("\"libraryId\":\"lib\"", "\"libraryId\":\"../lib\"");
                case 13 -> good.replace("\"chunkId\":\"c\"", "\"chunkId\":\"c\\u0000" + i + "\"");
                case 14 -> "{\"type\":\"library.upserted\",\"libraryId\":\"lib\",\"payload\":{\"name\":\"n\","
                        + "\"dimension\":2,\"index\":{\"kind\":\"lsh\",\"params\":{\"tables\":" + (65 + i) + "}}}}";
                default -> "{\"type\":\"chunk.upserted\",\"libraryId\":\"lib\",\"documentId\":\"d\",\"chunkId\":\"c\","
                        + "\"payload\":{\"embedding\":[" + "1,".repeat(2 + i % 50) + "1]}}"; // never 2 values
            };
            byte[] bytes;
            if (i % 16 == 0) {
                bytes = new byte[1 + random.nextInt(2_000)];
                random.nextBytes(bytes);
                bytes[0] = (byte) 0xFF; // never valid JSON nor UTF-8
            } else {
                bytes = value.getBytes(StandardCharsets.UTF_8);
            }
            boolean noKey = i % 97 == 0;
            boolean noValue = i % 89 == 0;
            events.add(new byte[][] {noKey ? null : key, noValue ? null : bytes});
        }
        return events;
    }
}
