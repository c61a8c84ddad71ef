package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.cli.QueryService;
import io.vectorstream.store.IndexMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The memory budgets of indexes: libraries and chunks past them are refused (507 over HTTP, dead
 * letters or an exact index on Kafka) while the instance goes on answering, never an
 * OutOfMemoryError. The budgets are the process's, so each test sets them relative to what the
 * indexes of this JVM already take.
 */
@Tag("integration")
class IndexMemoryBudgetTest {

    private static QueryService service;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        service = ServiceHarness.start();
        api = new ApiClient(service.port());
    }

    @AfterAll
    static void stop() {
        IndexMemory.setBudget(IndexMemory.Budget.DEFAULT);
        service.close();
    }

    /** The largest LSH a library of 4,096 dimensions may ask for: 16 MiB of projections in each of 3 shards. */
    private static final String LARGEST_LSH = "{\"kind\":\"lsh\",\"params\":{\"tables\":64,\"bits\":16}}";

    @Test
    void librariesAtTheLargestParametersAreRefusedPastTheBudgetAndTheInstanceKeepsAnswering() {
        long perLibrary = 64L * 16 * 4096 * Float.BYTES * 3;
        IndexMemory.setBudget(new IndexMemory.Budget(IndexMemory.used() + 3 * perLibrary + perLibrary / 2,
                Long.MAX_VALUE));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ApiClient.Response created = api.post("/v1/libraries?wait=true", """
                    {"id":"big-%d","name":"big","dimension":4096,"index":%s}""".formatted(i, LARGEST_LSH));
            statuses.add(created.status());
            if (created.status() == 507) {
                assertEquals("insufficient_storage", created.errorCode());
                assertTrue(created.body().path("error").path("message").asText()
                        .contains("vectorstream.limits.index-memory-bytes"), created.body().toString());
            }
        }
        assertEquals(List.of(201, 201, 201, 507, 507, 507, 507, 507, 507, 507, 507, 507), statuses);
        assertTrue(IndexMemory.used() <= IndexMemory.budget().instanceBytes());
        Runtime runtime = Runtime.getRuntime();
        assertTrue(runtime.totalMemory() - runtime.freeMemory() < runtime.maxMemory(), "the heap has room");
        assertEquals(200, api.get("/v1/libraries").status());
        assertEquals(200, api.get("/observe/health/ready").status());

        // Past HTTP, on Kafka: the library exists, and its shards search it exactly instead.
        String token = publish("big-raw", """
                {"type":"library.upserted","libraryId":"big-raw","payload":{"name":"raw","dimension":4096,"index":%s}}"""
                .formatted(LARGEST_LSH));
        ApiClient.Response report = api.get("/v1/libraries/big-raw/index", token);
        assertEquals(200, report.status(), report.body().toString());
        assertTrue(report.body().toString().contains("\"kind\":\"flat\""), report.body().toString());
        assertTrue(IndexMemory.used() <= IndexMemory.budget().instanceBytes());
    }

    @Test
    void chunksPastTheBudgetAreRefusedOverHttpAndAreDeadLettersOnKafka() {
        assertEquals(201, api.post("/v1/libraries?wait=true",
                "{\"id\":\"small\",\"name\":\"small\",\"dimension\":16}").status());
        assertEquals(201, api.put("/v1/libraries/small/documents/d?wait=true", "{}").status());
        long perVector = IndexMemory.perVector(16);
        IndexMemory.setBudget(new IndexMemory.Budget(Long.MAX_VALUE, IndexMemory.used("small") + 10 * perVector));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            statuses.add(api.put("/v1/libraries/small/documents/d/chunks/c" + i + "?wait=true",
                    "{\"embedding\":" + vector(i) + "}").status());
        }
        assertEquals(10, statuses.stream().filter(status -> status == 201).count(), statuses.toString());
        assertEquals(4, statuses.stream().filter(status -> status == 507).count(), statuses.toString());
        // A rewrite of a chunk takes no more memory: it still applies.
        assertEquals(200, api.put("/v1/libraries/small/documents/d/chunks/c0?wait=true",
                "{\"embedding\":" + vector(99) + "}").status());

        // Past HTTP: the record the shard cannot take is a dead letter; the shard goes on.
        publish("small", "{\"type\":\"chunk.upserted\",\"libraryId\":\"small\",\"documentId\":\"d\",\"chunkId\":\"raw\","
                + "\"payload\":{\"embedding\":" + vector(7) + "}}");
        String token = publish("small", "{\"type\":\"document.upserted\",\"libraryId\":\"small\",\"documentId\":\"e\","
                + "\"payload\":{\"metadata\":{\"after\":true}}}");
        assertEquals(200, api.get("/v1/libraries/small/documents/e", token).status());
        assertEquals(404, api.get("/v1/libraries/small/documents/d/chunks/raw", token).status());
        assertEquals(10, api.get("/v1/libraries/small", token).body().get("chunkCount").asInt());
    }

    private static String vector(final int seed) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < 16; i++) {
            json.append(i == 0 ? "" : ",").append((seed * 31 + i) % 7 + 1);
        }
        return json.append(']').toString();
    }

    /** Publishes an event straight to the events topic, as any producer may; returns its token. */
    private static String publish(final String key, final String event) {
        Properties props = new Properties();
        props.put("bootstrap.servers", service.ingest().settings().bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            var meta = producer.send(new ProducerRecord<>(service.ingest().settings().topics().events(), key, event))
                    .get();
            return meta.partition() + ":" + meta.offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
