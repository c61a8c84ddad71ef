package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.http.ApiClient;
import io.vectorstream.stream.ConsistencyToken;
import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Three {@code serve} instances of one application, each its own process, with a broker in a
 * fourth: any instance answers for all of them, tokens travel between them, the internal endpoint
 * wants the secret, and searches survive one instance's SIGKILL and its return.
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own processes: runs beside other tests
class ClusterIntegrationTest {

    private static final int INSTANCES = 3;
    private static final int PARTITIONS = 6;
    private static final int DOCUMENTS = 200;
    private static final int CHUNKS = 10_000;
    private static final int DIMENSION = 8;
    /** Chunk c has metadata {@code m = c % BUCKETS}. */
    private static final int BUCKETS = 10;
    private static final String SECRET = "cluster-test-secret";
    private static final Duration FULL_AGAIN_WITHIN = Duration.ofSeconds(30);

    @Test
    void threeInstancesAnswerAsOneDatabaseAndSurviveTheLossOfOne() throws Exception {
        Path data = Directories.temporary("vectorstream-cluster");
        int kafkaPort = CliProcess.freePort();
        String bootstrap = "127.0.0.1:" + kafkaPort;
        int[] ports = IntStream.range(0, INSTANCES).map(i -> CliProcess.freePort()).toArray();
        List<ApiClient> apis = Arrays.stream(ports).mapToObj(ApiClient::new).toList();
        CliProcess[] instances = new CliProcess[INSTANCES];
        try (CliProcess broker = CliProcess.broker(data, kafkaPort)) {
            broker.awaitReady(Duration.ofMinutes(1));
            for (int i = 0; i < INSTANCES; i++) {
                instances[i] = instance(bootstrap, data, i, ports[i]);
            }
            for (CliProcess instance : instances) {
                instance.awaitReady(Duration.ofMinutes(2));
            }
            for (ApiClient api : apis) {
                awaitAllShardsAssigned(api, INSTANCES, instances);
            }

            Map<String, float[]> vectors = new HashMap<>();
            ConsistencyToken token = publish(bootstrap, vectors);
            for (ApiClient api : apis) {
                JsonNode library = readApplied(api, "/v1/libraries/lib", token);
                assertEquals(CHUNKS, library.get("chunkCount").asInt(), library.toString());
                assertEquals(DOCUMENTS, library.get("documentCount").asInt(), library.toString());
            }

            List<String> documents = IntStream.range(0, DOCUMENTS).mapToObj(ClusterIntegrationTest::documentId)
                    .sorted().toList();
            for (ApiClient api : apis) {
                assertEquals(documents, listDocuments(api, 37), "every instance lists every document, in id order");
            }

            Random random = new Random(11);
            List<float[]> queries = IntStream.range(0, 20).mapToObj(i -> randomVector(random)).toList();
            for (float[] query : queries) {
                List<String> exact = bruteForce(vectors, query, 10);
                for (ApiClient api : apis) {
                    JsonNode answer = search(api, query).body();
                    assertFalse(answer.get("partial").asBoolean(), answer.toString());
                    assertEquals(PARTITIONS, answer.get("answeredShards").size(), answer.toString());
                    assertEquals(exact, ids(answer), "every instance answers with the exact top 10");
                }
            }
            assertFilteredAndGroupedThroughTheFanOut(apis, vectors, queries.getFirst());

            // A write through the first instance, read with its token through the third.
            float[] writtenVector = randomVector(random);
            ApiClient.Response written = apis.get(0).put("/v1/libraries/lib/documents/" + documentId(7)
                    + "/chunks/written-on-a", "{\"text\":\"x\",\"embedding\":" + Arrays.toString(writtenVector) + "}");
            vectors.put("written-on-a", writtenVector);
            assertEquals(202, written.status(), written.body().toString());
            ApiClient.Response read = apis.get(2).get("/v1/libraries/lib/documents/" + documentId(7)
                    + "/chunks/written-on-a", written.token());
            assertEquals(200, read.status(), "the token makes the other instance wait for the write: " + read.body());

            // ?wait=true through the second instance waits for the shards of every instance.
            float[] waitedVector = randomVector(random);
            ApiClient.Response waited = apis.get(1).put("/v1/libraries/lib/documents/" + documentId(8)
                    + "/chunks/written-on-b?wait=true", "{\"text\":\"y\",\"embedding\":" + Arrays.toString(waitedVector)
                    + "}");
            assertEquals(201, waited.status(), waited.body().toString());
            vectors.put("written-on-b", waitedVector);
            for (ApiClient api : apis) {
                assertEquals(CHUNKS + 2, api.get("/v1/libraries/lib").body().get("chunkCount").asInt(),
                        "applied everywhere once ?wait=true answered");
            }

            // The internal endpoint: only with the secret.
            for (String secret : new String[] {null, "wrong"}) {
                HttpRequest.Builder internal = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[1]
                        + "/internal/v1/shards")).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1}));
                if (secret != null) {
                    internal.header("X-Cluster-Secret", secret);
                }
                ApiClient.Response refused = apis.get(1).send(internal, "application/x-vectorstream-shards");
                assertEquals(401, refused.status(), refused.body().toString());
                assertEquals("unauthorized", refused.errorCode());
            }

            // SIGKILL the first instance while searches run against the other two.
            float[] query = queries.getFirst();
            List<String> expected = bruteForce(vectors, query, 10);
            List<ApiClient.Response> answers = searchLoad(apis.subList(1, INSTANCES), query, instances[0]);
            int failed = 0;
            int partial = 0;
            for (ApiClient.Response answer : answers) {
                if (answer.status() != 200) {
                    // Unavailable while the group moves the shards, or (on a machine short of
                    // cores) refused while the instance runs as many searches as it can.
                    assertTrue(answer.status() == 503 || answer.status() == 429, answer.body().toString());
                    failed++;
                } else if (answer.body().get("partial").asBoolean()) {
                    partial++;
                    assertFalse(answer.body().get("missingShards").isEmpty(), "a partial answer names what it misses");
                    assertEquals(PARTITIONS, answer.body().get("answeredShards").size()
                            + answer.body().get("missingShards").size(), answer.body().toString());
                } else {
                    assertEquals(expected, ids(answer.body()), "a full answer is the whole answer: " + answer.body());
                }
            }
            assertTrue(failed <= answers.size() / 10, failed + " of " + answers.size() + " searches failed");
            System.out.printf("searches around the kill: %d, %d partial, %d failed%n", answers.size(), partial, failed);
            long start = System.nanoTime();
            awaitFullAnswer(apis.get(1), query, expected, FULL_AGAIN_WITHIN);
            System.out.printf("full answers %.1f s after the kill%n", (System.nanoTime() - start) / 1e9);

            // It comes back and takes its part again.
            instances[0] = instance(bootstrap, data, 0, ports[0]);
            instances[0].awaitReady(Duration.ofMinutes(2));
            awaitAllShardsAssigned(apis.get(0), INSTANCES, instances);
            for (float[] q : queries.subList(0, 5)) {
                List<String> exact = bruteForce(vectors, q, 10);
                for (ApiClient api : apis) {
                    awaitFullAnswer(api, q, exact, FULL_AGAIN_WITHIN);
                }
            }
        } finally {
            for (CliProcess instance : instances) {
                if (instance != null) {
                    instance.close();
                }
            }
        }
    }

    /**
     * Instance {@code i}; the even ones search their shards one after another, the odd ones two at
     * a time ({@code http.shard-search-threads}): both answer every search exactly alike.
     */
    private static CliProcess instance(final String bootstrap, final Path data, final int i, final int port)
            throws IOException {
        Path config = Files.createDirectories(data.resolve("config-" + i)).resolve("application.yaml");
        Files.writeString(config, "http:\n  shard-search-threads: " + (i % 2 == 0 ? 0 : 2) + "\n");
        return CliProcess.serveInCluster(bootstrap, data.resolve("instance-" + i), port, "--cluster-secret", SECRET,
                "--partitions", Integer.toString(PARTITIONS), "--config", config.toString());
    }

    /** Waits until {@code api}'s instance sees {@code count} instances hosting every shard. */
    private static void awaitAllShardsAssigned(final ApiClient api, final int count, final CliProcess[] instances) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        JsonNode cluster = null;
        while (System.nanoTime() < deadline) {
            ApiClient.Response response = api.get("/v1/cluster");
            cluster = response.body();
            if (response.status() == 200 && cluster.get("unassigned").isEmpty() && "RUNNING".equals(
                    cluster.get("state").asText())) {
                int hosting = 0;
                for (JsonNode instance : cluster.get("instances")) {
                    hosting += instance.get("active").isEmpty() ? 0 : 1;
                }
                if (hosting == count) {
                    return;
                }
            }
            Pause.millis(200, "the rebalance");
        }
        StringBuilder outputs = new StringBuilder();
        for (CliProcess instance : instances) {
            outputs.append("\n--- instance\n").append(instance == null ? "" : instance.output());
        }
        throw new AssertionError("not " + count + " instances with every shard: " + cluster + outputs);
    }

    /** The library, then 10,000 chunks in 200 documents, with a plain producer; the token of all of it. */
    private static ConsistencyToken publish(final String bootstrap, final Map<String, float[]> vectors) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        Map<Integer, Long> last = new HashMap<>();
        Random random = new Random(3);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            RecordMetadata created = producer.send(new ProducerRecord<>("vectorstream.events", "lib", """
                    {"type":"library.upserted","libraryId":"lib","payload":{"name":"lib","dimension":%d,"metric":"l2"}}"""
                    .formatted(DIMENSION))).get();
            last.merge(created.partition(), created.offset(), Math::max);
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int c = 0; c < CHUNKS; c++) {
                float[] vector = randomVector(random);
                String chunk = "c" + c;
                vectors.put(chunk, vector);
                sent.add(producer.send(new ProducerRecord<>("vectorstream.events", "lib", """
                        {"type":"chunk.upserted","libraryId":"lib","documentId":"%s","chunkId":"%s","payload":{"text":"t%d","embedding":%s,"metadata":{"m":%d}}}"""
                        .formatted(documentId(c % DOCUMENTS), chunk, c, Arrays.toString(vector), c % BUCKETS))));
            }
            for (var future : sent) {
                RecordMetadata meta = future.get();
                last.merge(meta.partition(), meta.offset(), Math::max);
            }
        }
        return new ConsistencyToken(last);
    }

    private static JsonNode readApplied(final ApiClient api, final String path, final ConsistencyToken token) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        ApiClient.Response response;
        do {
            response = api.get(path, token.toString());
            if (response.status() == 200) {
                return response.body();
            }
            assertEquals(503, response.status(), response.body().toString());
        } while (System.nanoTime() < deadline);
        throw new AssertionError("not applied in time: " + response.body());
    }

    private static List<String> listDocuments(final ApiClient api, final int limit) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            ApiClient.Response page = api.get("/v1/libraries/lib/documents?limit=" + limit
                    + (cursor == null ? "" : "&cursor=" + cursor));
            assertEquals(200, page.status(), page.body().toString());
            page.body().get("items").forEach(item -> ids.add(item.get("id").asText()));
            cursor = page.body().path("nextCursor").isTextual() ? page.body().get("nextCursor").asText() : null;
        } while (cursor != null);
        return ids;
    }

    private static ApiClient.Response search(final ApiClient api, final float[] query) {
        return api.post("/v1/libraries/lib/search", "{\"vector\":" + Arrays.toString(query) + ",\"k\":10}");
    }

    /**
     * Searches from three threads, 40 each, across {@code apis}, and kills {@code victim} once the
     * first ten have answered; every answer.
     */
    private static List<ApiClient.Response> searchLoad(final List<ApiClient> apis, final float[] query,
                                                       final CliProcess victim) throws InterruptedException {
        ConcurrentLinkedQueue<ApiClient.Response> answers = new ConcurrentLinkedQueue<>();
        CountDownLatch started = new CountDownLatch(10);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int offset = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 40; i++) {
                    answers.add(search(apis.get((i + offset) % apis.size()), query));
                    started.countDown();
                }
            }));
        }
        started.await();
        victim.kill();
        for (Thread thread : threads) {
            thread.join();
        }
        return new ArrayList<>(answers);
    }

    private static void awaitFullAnswer(final ApiClient api, final float[] query, final List<String> expected,
                                        final Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ApiClient.Response answer;
        do {
            answer = search(api, query);
            if (answer.status() == 200 && !answer.body().get("partial").asBoolean()) {
                assertEquals(expected, ids(answer.body()), answer.body().toString());
                return;
            }
            Pause.millis(100, "the cluster");
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no full answer within " + timeout + ": " + answer.body());
    }

    /**
     * A filter, a count and a grouped search answered through every instance (each asks its peers
     * for the shards it does not hold) equal brute force over the chunks published.
     */
    private static void assertFilteredAndGroupedThroughTheFanOut(final List<ApiClient> apis,
                                                                  final Map<String, float[]> vectors, final float[] query) {
        Map<String, float[]> inBucket3 = new HashMap<>();
        vectors.forEach((chunk, vector) -> {
            if (Integer.parseInt(chunk.substring(1)) % BUCKETS == 3) {
                inBucket3.put(chunk, vector);
            }
        });
        List<String> exact = bruteForce(inBucket3, query, 10);
        // The best 4 documents by their best chunk, each with its 2 best chunks.
        Map<String, List<String>> byDocument = new LinkedHashMap<>();
        bruteForce(vectors, query, vectors.size()).forEach(chunk -> byDocument.computeIfAbsent(
                documentId(Integer.parseInt(chunk.substring(1)) % DOCUMENTS), d -> new ArrayList<>()).add(chunk));
        List<String> groups = byDocument.entrySet().stream().limit(4)
                .map(e -> e.getKey() + ":" + e.getValue().subList(0, 2)).toList();
        for (ApiClient api : apis) {
            JsonNode filtered = api.post("/v1/libraries/lib/search", "{\"vector\":" + Arrays.toString(query)
                    + ",\"k\":10,\"filter\":{\"m\":3}}").body();
            assertEquals(exact, ids(filtered), filtered.toString());
            assertEquals(CHUNKS / BUCKETS, api.post("/v1/libraries/lib/count", "{\"filter\":{\"m\":3}}").body()
                    .get("count").asInt());
            JsonNode grouped = api.post("/v1/libraries/lib/search", "{\"vector\":" + Arrays.toString(query)
                    + ",\"k\":4,\"groupBy\":\"documentId\",\"groupSize\":2}").body();
            List<String> found = new ArrayList<>();
            grouped.get("groups").forEach(group -> found.add(group.get("documentId").asText() + ":"
                    + ids(group.get("hits"))));
            assertEquals(groups, found, grouped.toString());
        }
    }

    private static List<String> bruteForce(final Map<String, float[]> vectors, final float[] query, final int k) {
        return vectors.entrySet().stream()
                .sorted(Comparator.comparingDouble((Map.Entry<String, float[]> e) -> distance(e.getValue(), query)))
                .limit(k).map(Map.Entry::getKey).toList();
    }

    private static double distance(final float[] a, final float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    /** The chunk ids of a search answer's results, or of a list of hits. */
    private static List<String> ids(final JsonNode answer) {
        List<String> ids = new ArrayList<>();
        (answer.isArray() ? answer : answer.get("results")).forEach(hit -> ids.add(hit.get("chunkId").asText()));
        return ids;
    }

    private static float[] randomVector(final Random random) {
        float[] vector = new float[DIMENSION];
        for (int d = 0; d < DIMENSION; d++) {
            vector[d] = random.nextFloat();
        }
        return vector;
    }

    private static String documentId(final int n) {
        return String.format("doc-%03d", n);
    }
}
