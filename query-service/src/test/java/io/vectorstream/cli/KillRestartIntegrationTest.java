package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.http.ApiClient;
import io.vectorstream.stream.ConsistencyToken;
import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A service process killed with SIGKILL while events stream in loses nothing and duplicates
 * nothing: after a restart on the same data folder (reopening its shard files, not restoring them),
 * every chunk is present once with its latest version and vector, and the dead-letter topic holds
 * exactly the bad events that were sent. Broker, service and test are three processes.
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own processes: runs beside other tests
class KillRestartIntegrationTest {

    private static final int EVENTS = 20_000;
    private static final int DISTINCT_CHUNKS = 16_000;
    private static final int DOCUMENTS = 40;
    private static final int BAD_EVERY = 2_000;
    private static final int DIMENSION = 8;
    private static final int BUCKETS = 7;

    @Test
    void aServiceKilledWhileEventsArriveKeepsEveryChunkExactlyOnce() throws Exception {
        Path data = Directories.temporary("vectorstream-kill");
        int kafkaPort = CliProcess.freePort();
        int httpPort = CliProcess.freePort();
        String bootstrap = "127.0.0.1:" + kafkaPort;
        try (CliProcess broker = CliProcess.broker(data, kafkaPort)) {
            broker.awaitReady(Duration.ofMinutes(1));
            // Made once the broker listens, or it logs a failed connection every few milliseconds until then.
            try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                ApiClient api = new ApiClient(httpPort);
                Published published = new Published();

                try (CliProcess first = CliProcess.serve(bootstrap, data, httpPort)) {
                    first.awaitReady(Duration.ofMinutes(2));
                    published.send(producer, "lib", """
                            {"type":"library.upserted","libraryId":"lib","payload":{"name":"lib","dimension":%d,"metric":"l2"}}"""
                            .formatted(DIMENSION));
                    CompletableFuture<Void> publishing =
                            CompletableFuture.runAsync(() -> publishChunks(producer, published));
                    // Kill once the service is busy applying what streams in.
                    first.awaitChunkCount(api, count -> count >= 3_000, Duration.ofMinutes(2));
                    first.kill();
                    publishing.get();
                }

                try (CliProcess second = CliProcess.serve(bootstrap, data, httpPort)) {
                    second.awaitReady(Duration.ofMinutes(2));
                    assertTrue(second.output().contains(": 0 shard records restored from changelogs."),
                            "the killed instance's shard files are reopened, not restored: " + second.output());
                    JsonNode library = readApplied(api, "/v1/libraries/lib", published.token(), second);
                    assertEveryChunkIsTheLatest(api, published);
                    assertEquals(published.vectors.size(), library.get("chunkCount").asInt(), library.toString());
                    assertEquals(DOCUMENTS, library.get("documentCount").asInt(), library.toString());
                    assertFilterCounts(api, published.buckets, BUCKETS);
                    second.stop(Duration.ofSeconds(60));
                }
                assertEquals(published.bad, deadLetterCount(bootstrap), "dead letters: only the bad events sent");
            }
        }
    }

    /** What the test published: the latest write of each chunk, and the token of everything. */
    private static final class Published {
        final Map<String, float[]> vectors = new ConcurrentHashMap<>();
        final Map<String, Long> versions = new ConcurrentHashMap<>();
        /** Each chunk's latest metadata field {@code bucket}: what a filter counts after the restart. */
        final Map<String, Integer> buckets = new ConcurrentHashMap<>();
        final Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();
        volatile int bad;

        RecordMetadata send(final KafkaProducer<String, String> producer, final String key, final String json) {
            try {
                RecordMetadata meta = producer.send(new ProducerRecord<>("vectorstream.events", key, json)).get();
                lastOffsets.merge(meta.partition(), meta.offset(), Math::max);
                return meta;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        Future<RecordMetadata> sendAsync(final KafkaProducer<String, String> producer, final String key,
                                         final String json) {
            return producer.send(new ProducerRecord<>("vectorstream.events", key, json));
        }

        /** The metadata of an event {@link #sendAsync} sent, once the broker confirmed it. */
        RecordMetadata confirmed(final Future<RecordMetadata> sent) {
            try {
                RecordMetadata meta = sent.get();
                lastOffsets.merge(meta.partition(), meta.offset(), Math::max);
                return meta;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        ConsistencyToken token() {
            return new ConsistencyToken(new HashMap<>(lastOffsets));
        }
    }

    /**
     * 20,000 events: chunks c0 to c15999 (one malformed event instead of every 2,000th), then
     * rewrites of random earlier ones with other vectors, in batches of 500 a moment apart. Every
     * event of a batch is confirmed by the broker before the next batch is sent (one partition, an
     * idempotent producer: in the order sent), so the test knows every event's offset (a chunk's
     * version).
     */
    private static void publishChunks(final KafkaProducer<String, String> producer, final Published published) {
        Random random = new Random(5);
        record Sent(Future<RecordMetadata> meta, String chunk, float[] vector, int bucket) {
        }
        List<Sent> batch = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            if (i % BAD_EVERY == BAD_EVERY - 1) {
                batch.add(new Sent(published.sendAsync(producer, "lib",
                        "{\"type\":\"chunk.upserted\",\"libraryId\":\"lib\", not json"), null, null, 0));
                published.bad++;
            } else {
                int n = i < DISTINCT_CHUNKS ? i : random.nextInt(DISTINCT_CHUNKS);
                String chunk = "c" + n;
                float[] vector = new float[DIMENSION];
                for (int d = 0; d < DIMENSION; d++) {
                    vector[d] = random.nextFloat();
                }
                String json = """
                        {"type":"chunk.upserted","libraryId":"lib","documentId":"d%d","chunkId":"%s","payload":{"text":"t%d","embedding":%s,"metadata":{"bucket":%d}}}"""
                        .formatted(n % DOCUMENTS, chunk, i, Arrays.toString(vector), i % BUCKETS);
                batch.add(new Sent(published.sendAsync(producer, "lib", json), chunk, vector, i % BUCKETS));
            }
            if (i % 500 == 499 || i == EVENTS - 1) {
                for (Sent sent : batch) {
                    RecordMetadata meta = published.confirmed(sent.meta());
                    if (sent.chunk() != null) {
                        published.vectors.put(sent.chunk(), sent.vector());
                        published.versions.put(sent.chunk(), meta.offset());
                        published.buckets.put(sent.chunk(), sent.bucket());
                    }
                }
                batch.clear();
                Pause.millis(50, "the service"); // spread the stream over a few seconds, so the kill lands in the middle of it
            }
        }
    }

    private static void assertEveryChunkIsTheLatest(final ApiClient api, final Published published) {
        Set<String> seen = new HashSet<>();
        for (int d = 0; d < DOCUMENTS; d++) {
            String cursor = null;
            do {
                JsonNode page = api.get("/v1/libraries/lib/documents/d" + d + "/chunks?limit=1000&include=embedding"
                        + (cursor == null ? "" : "&cursor=" + cursor)).body();
                for (JsonNode chunk : page.get("items")) {
                    String id = chunk.get("id").asText();
                    float[] expected = published.vectors.get(id);
                    float[] actual = new float[DIMENSION];
                    for (int i = 0; i < DIMENSION; i++) {
                        actual[i] = (float) chunk.get("embedding").get(i).asDouble();
                    }
                    assertTrue(Arrays.equals(expected, actual), id + ": " + Arrays.toString(actual) + " is not the latest "
                            + Arrays.toString(expected));
                    assertEquals(published.versions.get(id), chunk.get("version").asLong(), id + "'s version");
                    assertTrue(seen.add(id), id + " listed twice");
                }
                cursor = page.path("nextCursor").isMissingNode() ? null : page.get("nextCursor").asText();
            } while (cursor != null);
        }
        Set<String> missing = new TreeSet<>(published.vectors.keySet());
        missing.removeAll(seen);
        assertTrue(missing.isEmpty(), "missing chunks: " + missing.stream().map(id -> id + "@" + published.versions.get(id))
                .toList());
    }

    /**
     * The chunks whose latest metadata has each {@code bucket}, counted through the field index the
     * restarted (or rebuilt) shards derived from their records.
     */
    static void assertFilterCounts(final ApiClient api, final Map<String, Integer> buckets, final int count) {
        for (int bucket = 0; bucket < count; bucket++) {
            int b = bucket;
            long expected = buckets.values().stream().filter(v -> v == b).count();
            JsonNode answer = api.post("/v1/libraries/lib/count", "{\"filter\": {\"bucket\": " + bucket + "}}").body();
            assertEquals(expected, answer.path("count").asLong(), "chunks in bucket " + bucket + ": " + answer);
        }
    }

    /** A read with the token of everything published, again while it is not applied yet (503). */
    private static JsonNode readApplied(final ApiClient api, final String path, final ConsistencyToken token,
                                        final CliProcess service) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        ApiClient.Response response;
        while ((response = api.get(path, token.toString())).status() == 503 && System.nanoTime() < deadline) {
            Pause.millis(100, "the service");
        }
        assertEquals(200, response.status(), response.body() + "; without the token: " + api.get(path).body()
                + "; output:\n" + service.output());
        return response.body();
    }

    /** Records in the dead-letter topic, read committed up to its end. */
    private static int deadLetterCount(final String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        int count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("vectorstream.events.dlq").stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    assertTrue(new String(record.value(), StandardCharsets.UTF_8).contains("not json"),
                            "an unexpected dead letter");
                    count++;
                }
            }
        }
        return count;
    }

    private static KafkaProducer<String, String> producer(final String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }
}
