package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.cli.QueryService;
import io.vectorstream.schema.Embeddings;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.SchemaValidator;
import io.vectorstream.schema.SchemaValidator.Schema;
import io.vectorstream.testing.KafkaFixture;
import io.vectorstream.testing.SyntheticData;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The REST API end to end: HTTP -> Kafka -> Kafka Streams -> shard stores -> HTTP, on a real broker. */
@Tag("integration")
class RestApiIntegrationTest {

    private static QueryService service;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        service = ServiceHarness.start();
        api = new ApiClient(service.port());
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    static void assertMatches(final Schema schema, final JsonNode body) {
        assertEquals(List.of(), SchemaValidator.get().validate(schema, body), body.toString());
    }

    @Test
    void librariesDocumentsAndChunksSupportCreateReadUpdateListAndDelete() {
        ApiClient.Response created = api.post("/v1/libraries?wait=true",
                "{\"id\":\"crud\",\"name\":\"CRUD\",\"dimension\":3,\"metric\":\"dot\",\"metadata\":{\"team\":\"a\"}}");
        assertEquals(201, created.status(), created.body().toString());
        assertMatches(Schema.LIBRARY_RESPONSE, created.body());
        assertEquals("dot", created.body().get("metric").asText());
        assertEquals("flat", created.body().get("index").get("kind").asText());
        assertNotNull(created.token());

        ApiClient.Response patched = api.patch("/v1/libraries/crud?wait=true", "{\"name\":\"Renamed\"}");
        assertEquals(200, patched.status(), patched.body().toString());
        assertEquals("Renamed", patched.body().get("name").asText());
        assertEquals("a", patched.body().get("metadata").get("team").asText(), "PATCH keeps fields it does not name");
        assertEquals(created.body().get("createdAt"), patched.body().get("createdAt"));

        ApiClient.Response document = api.put("/v1/libraries/crud/documents/d1?wait=true", """
                {"metadata":{"title":"One"},"chunks":[
                  {"id":"a","text":"alpha","embedding":[1,0,0]},
                  {"id":"b","text":"beta","embedding":[0,1,0],"metadata":{"tags":["x","y"]}}]}""");
        assertEquals(201, document.status(), document.body().toString());
        assertMatches(Schema.DOCUMENT_RESPONSE, document.body());
        assertEquals(2, document.body().get("chunkCount").asInt());

        ApiClient.Response chunk = api.put("/v1/libraries/crud/documents/d1/chunks/c?wait=true",
                "{\"text\":\"gamma\",\"embedding\":[0,0,1],\"metadata\":{\"n\":3}}");
        assertEquals(201, chunk.status(), chunk.body().toString());
        assertMatches(Schema.CHUNK_RESPONSE, chunk.body());
        ApiClient.Response updated = api.put("/v1/libraries/crud/documents/d1/chunks/c?wait=true",
                "{\"text\":\"gamma 2\",\"embedding\":[0,0,2]}");
        assertEquals(200, updated.status(), updated.body().toString());
        assertEquals("gamma 2", api.get("/v1/libraries/crud/documents/d1/chunks/c").body().get("text").asText());
        assertEquals(2.0, api.get("/v1/libraries/crud/documents/d1/chunks/c").body().get("embedding").get(2).asDouble());

        ApiClient.Response firstPage = api.get("/v1/libraries/crud/documents/d1/chunks?limit=2");
        assertMatches(Schema.PAGE, firstPage.body());
        assertEquals(List.of("a", "b"), ids(firstPage.body().get("items")));
        String cursor = firstPage.body().get("nextCursor").asText();
        ApiClient.Response secondPage = api.get("/v1/libraries/crud/documents/d1/chunks?limit=2&cursor=" + cursor);
        assertEquals(List.of("c"), ids(secondPage.body().get("items")));
        assertTrue(secondPage.body().path("nextCursor").isMissingNode());
        // Listings leave the embeddings out unless asked for them.
        assertTrue(firstPage.body().get("items").get(0).path("embedding").isMissingNode());
        ApiClient.Response withEmbeddings = api.get("/v1/libraries/crud/documents/d1/chunks?limit=2&include=embedding");
        assertMatches(Schema.PAGE, withEmbeddings.body());
        assertEquals(3, withEmbeddings.body().get("items").get(0).get("embedding").size());
        ApiClient.Response unknownPart = api.get("/v1/libraries/crud/documents/d1/chunks?include=everything");
        assertEquals(400, unknownPart.status());
        assertEquals("include", unknownPart.errorField());

        ApiClient.Response library = api.get("/v1/libraries/crud");
        assertEquals(1, library.body().get("documentCount").asInt());
        assertEquals(3, library.body().get("chunkCount").asInt());
        assertTrue(ids(api.get("/v1/libraries?limit=1000").body().get("items")).contains("crud"));
        assertEquals(List.of("d1"), ids(api.get("/v1/libraries/crud/documents").body().get("items")));

        assertEquals(200, api.delete("/v1/libraries/crud/documents/d1/chunks/c?wait=true").status());
        assertEquals(404, api.get("/v1/libraries/crud/documents/d1/chunks/c").status());
        assertEquals(200, api.delete("/v1/libraries/crud/documents/d1?wait=true").status());
        assertEquals(404, api.get("/v1/libraries/crud/documents/d1").status());
        assertEquals(0, api.get("/v1/libraries/crud").body().get("chunkCount").asInt(), "document delete cascades");
        assertEquals(200, api.delete("/v1/libraries/crud?wait=true").status());
        assertEquals(404, api.get("/v1/libraries/crud").status());
    }

    @Test
    void searchReturnsTheSameOrderAsBruteForce() {
        for (String metric : List.of("cosine", "dot", "l2")) {
            String lib = "search-" + metric;
            assertEquals(201, api.post("/v1/libraries?wait=true",
                    "{\"id\":\"" + lib + "\",\"name\":\"s\",\"dimension\":16,\"metric\":\"" + metric + "\"}").status());
            Random random = new Random(metric.hashCode());
            List<float[]> vectors = new ArrayList<>();
            for (int d = 0; d < 8; d++) {
                StringBuilder chunks = new StringBuilder();
                for (int c = 0; c < 25; c++) {
                    float[] v = gaussian(random, 16);
                    vectors.add(v);
                    chunks.append(c == 0 ? "" : ",").append("{\"id\":\"c").append(vectors.size() - 1)
                            .append("\",\"embedding\":").append(Arrays.toString(v)).append('}');
                }
                assertEquals(201, api.put("/v1/libraries/" + lib + "/documents/d" + d + "?wait=true",
                        "{\"chunks\":[" + chunks + "]}").status());
            }
            for (int q = 0; q < 5; q++) {
                float[] query = gaussian(random, 16);
                ApiClient.Response response = api.post("/v1/libraries/" + lib + "/search",
                        "{\"vector\":" + Arrays.toString(query) + ",\"k\":10}");
                assertEquals(200, response.status(), response.body().toString());
                assertMatches(Schema.SEARCH_RESPONSE, response.body());
                List<String> got = new ArrayList<>();
                response.body().get("results").forEach(hit -> got.add(hit.get("chunkId").asText()));
                assertEquals(bruteForce(vectors, query, metric, 10), got, metric);
                double expectedTop = score(vectors.get(Integer.parseInt(got.getFirst().substring(1))), query, metric);
                assertEquals(expectedTop, response.body().get("results").get(0).get("score").asDouble(), 1e-4);
            }
        }
    }

    @Test
    void switchingTheIndexFromFlatToGraphToIvfToLshKeepsSearchCloseToExact() {
        assertEquals(201, api.post("/v1/libraries?wait=true",
                "{\"id\":\"switch\",\"name\":\"s\",\"dimension\":16,\"metric\":\"cosine\"}").status());
        SyntheticData data = SyntheticData.forSize(3_000, 16, 5);
        float[][] vectors = data.vectors(3_000, 6);
        List<float[]> stored = new ArrayList<>();
        for (int d = 0; d < 6; d++) {
            StringBuilder chunks = new StringBuilder();
            for (int c = 0; c < 500; c++) {
                float[] v = vectors[d * 500 + c];
                stored.add(v);
                chunks.append(c == 0 ? "" : ",").append("{\"id\":\"c").append(stored.size() - 1)
                        .append("\",\"embedding\":").append(Arrays.toString(v)).append('}');
            }
            assertEquals(201, api.put("/v1/libraries/switch/documents/d" + d + "?wait=true",
                    "{\"chunks\":[" + chunks + "]}").status());
        }
        float[][] queries = data.vectors(30, 7);
        assertEquals(1.0, recall(queries, stored, "{}", "flat"), 1e-9);

        assertError(api.patch("/v1/libraries/switch", "{\"index\":{\"kind\":\"ivf\",\"params\":{\"lists\":4}}}"),
                400, "index.params.lists");
        // Parameters that would take the stream thread's memory or time are refused, not tried.
        assertError(api.patch("/v1/libraries/switch", "{\"index\":{\"kind\":\"lsh\",\"params\":{\"tables\":1000000}}}"),
                400, "index.params.tables");
        assertError(api.patch("/v1/libraries/switch", "{\"index\":{\"kind\":\"ivf\",\"params\":{\"nlist\":1e12}}}"),
                400, "index.params.nlist");
        assertError(api.patch("/v1/libraries/switch", "{\"index\":{\"kind\":\"ivf\",\"params\":{\"nprobe\":2.5}}}"),
                400, "index.params.nprobe");
        assertError(api.patch("/v1/libraries/switch", "{\"index\":{\"kind\":\"graph\"}}"), 400, "index.kind");
        assertError(api.patch("/v1/libraries/switch", "{\"index\":{\"kind\":\"hnsw\",\"params\":{\"m\":65}}}"),
                400, "index.params.m");

        // The graph is built beside the stream thread; the flat index answers until it is done.
        assertEquals(200, api.patch("/v1/libraries/switch?wait=true",
                "{\"index\":{\"kind\":\"hnsw\",\"params\":{\"m\":8,\"efSearch\":16}}}").status());
        awaitBuilt("hnsw", 3_000);
        double graphRecall = recall(queries, stored, "{}", "hnsw");
        double wideRecall = recall(queries, stored, "{\"ef\":400}", "hnsw");
        assertTrue(graphRecall >= 0.8 && wideRecall >= 0.99 && wideRecall >= graphRecall,
                "hnsw recall " + graphRecall + ", with ef 400 " + wideRecall);
        assertError(api.post("/v1/libraries/switch/search", "{\"vector\":" + Arrays.toString(queries[0])
                + ",\"ef\":5000}"), 400, "ef");

        assertEquals(200, api.patch("/v1/libraries/switch?wait=true",
                "{\"index\":{\"kind\":\"ivf\",\"params\":{\"trainThreshold\":200,\"nlist\":8,\"nprobe\":3}}}").status());
        JsonNode report = api.get("/v1/libraries/switch/index").body();
        assertEquals(3, report.get("shards").size(), report.toString());
        int indexed = 0;
        for (JsonNode shard : report.get("shards")) {
            assertEquals("ivf", shard.get("kind").asText());
            assertTrue(shard.get("trained").asBoolean(), report.toString());
            indexed += shard.get("size").asInt();
        }
        assertEquals(3_000, indexed);
        double ivfRecall = recall(queries, stored, "{}", "ivf");
        assertTrue(ivfRecall >= 0.8, "ivf recall " + ivfRecall);
        assertEquals(1.0, recall(queries, stored, "{\"nprobe\":8}", "ivf"), 1e-9, "all lists probed is exact");
        assertEquals(1.0, recall(queries, stored, "{\"exact\":true}", "flat"), 1e-9);

        ApiClient.Response rebuilt = api.post("/v1/libraries/switch/index?wait=true", "{}");
        assertEquals(200, rebuilt.status(), rebuilt.body().toString());
        assertEquals("ivf", rebuilt.body().get("shards").get(0).get("kind").asText());

        assertEquals(200, api.patch("/v1/libraries/switch?wait=true", "{\"index\":{\"kind\":\"lsh\"}}").status());
        double lshRecall = recall(queries, stored, "{\"probes\":32}", "lsh");
        assertTrue(lshRecall >= 0.8, "lsh recall " + lshRecall);
        assertEquals(200, api.patch("/v1/libraries/switch?wait=true", "{\"index\":{\"kind\":\"flat\"}}").status());
        assertEquals(1.0, recall(queries, stored, "{}", "flat"), 1e-9);
    }

    /** Waits (30 s at most) until every shard of library "switch" answers from a built index of {@code kind}. */
    private static void awaitBuilt(final String kind, final int vectors) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            JsonNode report = api.get("/v1/libraries/switch/index").body();
            int indexed = 0;
            boolean built = true;
            for (JsonNode shard : report.get("shards")) {
                built &= kind.equals(shard.get("kind").asText()) && shard.get("trained").asBoolean();
                indexed += shard.get("size").asInt();
            }
            if (built && indexed == vectors) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "not built in 30 s: " + report);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** Average recall@10 of the API's search against brute force; asserts which index answered. */
    private static double recall(final float[][] queries, final List<float[]> stored, final String tuning,
                                 final String expectedIndex) {
        double total = 0;
        for (float[] q : queries) {
            String body = "{\"vector\":" + Arrays.toString(q) + ",\"k\":10," + tuning.substring(1);
            body = body.replace(",}", "}");
            ApiClient.Response response = api.post("/v1/libraries/switch/search", body);
            assertEquals(200, response.status(), response.body().toString());
            assertEquals(expectedIndex, response.body().get("index").asText());
            Set<String> truth = new HashSet<>(bruteForce(stored, q, "cosine", 10));
            long found = 0;
            for (JsonNode hit : response.body().get("results")) {
                if (truth.contains(hit.get("chunkId").asText())) {
                    found++;
                }
            }
            total += found / 10.0;
        }
        return total / queries.length;
    }

    @Test
    void deletingALibraryDeletesEverythingInIt() {
        api.post("/v1/libraries?wait=true", "{\"id\":\"cascade\",\"name\":\"c\",\"dimension\":2}");
        api.put("/v1/libraries/cascade/documents/x?wait=true", "{\"chunks\":[{\"id\":\"1\",\"embedding\":[1,1]}]}");
        api.put("/v1/libraries/cascade/documents/y?wait=true", "{\"chunks\":[{\"id\":\"2\",\"embedding\":[1,2]}]}");
        assertEquals(200, api.delete("/v1/libraries/cascade?wait=true").status());
        // Re-created with another dimension: nothing of the old one may come back.
        assertEquals(201, api.post("/v1/libraries?wait=true",
                "{\"id\":\"cascade\",\"name\":\"c\",\"dimension\":3}").status());
        assertEquals(0, api.get("/v1/libraries/cascade/documents").body().get("items").size());
        assertEquals(0, api.get("/v1/libraries/cascade").body().get("chunkCount").asInt());
        assertEquals(404, api.get("/v1/libraries/cascade/documents/x/chunks/1").status());
        ApiClient.Response search = api.post("/v1/libraries/cascade/search", "{\"vector\":[1,1,1]}");
        assertEquals(0, search.body().get("results").size());
    }

    @Test
    void putDocumentWithChunksReplacesItsChunks() {
        api.post("/v1/libraries?wait=true", "{\"id\":\"replace\",\"name\":\"r\",\"dimension\":2}");
        api.put("/v1/libraries/replace/documents/d?wait=true", """
                {"chunks":[{"id":"1","embedding":[1,0]},{"id":"2","embedding":[0,1]},{"id":"3","embedding":[1,1]}]}""");
        api.put("/v1/libraries/replace/documents/d?wait=true", "{\"chunks\":[{\"id\":\"2\",\"embedding\":[1,1]}]}");
        assertEquals(List.of("2"), ids(api.get("/v1/libraries/replace/documents/d/chunks").body().get("items")));
        api.put("/v1/libraries/replace/documents/d?wait=true", "{\"metadata\":{\"k\":\"v\"}}");
        assertEquals(List.of("2"), ids(api.get("/v1/libraries/replace/documents/d/chunks").body().get("items")),
                "a document put without chunks keeps its chunks");
    }

    @Test
    void aReadWithTheWritesTokenSeesTheWrite() {
        api.post("/v1/libraries?wait=true", "{\"id\":\"ryw\",\"name\":\"r\",\"dimension\":2}");
        api.put("/v1/libraries/ryw/documents/d?wait=true", "{}");
        for (int i = 0; i < 25; i++) {
            ApiClient.Response write = api.put("/v1/libraries/ryw/documents/d/chunks/c" + i,
                    "{\"text\":\"v" + i + "\",\"embedding\":[1," + i + "]}");
            assertEquals(202, write.status(), write.body().toString());
            assertEquals(write.token(), write.body().get("consistencyToken").asText());
            ApiClient.Response read = api.get("/v1/libraries/ryw/documents/d/chunks/c" + i, write.token());
            assertEquals(200, read.status(), "read " + i + " with token " + write.token());
            assertEquals("v" + i, read.body().get("text").asText());
        }
        ApiClient.Response delete = api.delete("/v1/libraries/ryw/documents/d");
        assertEquals(202, delete.status());
        assertEquals(404, api.get("/v1/libraries/ryw/documents/d", delete.token()).status());
    }

    @Test
    void eventsFromAnyKafkaProducerAreServedLikeApiWrites() throws Exception {
        String topic = service.ingest().settings().topics().events();
        Properties props = new Properties();
        props.put("bootstrap.servers", service.ingest().settings().bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "external", """
                    {"type":"library.upserted","libraryId":"external","payload":{"name":"From Kafka","dimension":2}}"""))
                    .get();
            String base64 = Embeddings.toBase64(new float[] {0.6f, 0.8f});
            RecordMetadata meta = producer.send(new ProducerRecord<>(topic, "external", """
                    {"type":"document.upserted","libraryId":"external","documentId":"d","payload":{"chunks":[
                      {"id":"c","text":"sent as base64","embedding":"%s"}]}}""".formatted(base64))).get();
            String token = meta.partition() + ":" + meta.offset();
            ApiClient.Response chunk = api.get("/v1/libraries/external/documents/d/chunks/c", token);
            assertEquals(200, chunk.status(), chunk.body().toString());
            assertEquals("sent as base64", chunk.body().get("text").asText());
            assertEquals(0.8, chunk.body().get("embedding").get(1).asDouble(), 1e-6);
            assertEquals("From Kafka", api.get("/v1/libraries/external").body().get("name").asText());
        }
    }

    /**
     * Two creates of one id, and two PATCHes, sent back to back: whichever way the race goes
     * (the second request may or may not see the first applied), the second create is a 409 and
     * the first PATCH is never undone by the second, which was made against the version before it.
     */
    @Test
    void racingCreatesAndPatchesNeitherOverwriteNorUndo() {
        for (int round = 0; round < 5; round++) {
            String id = "race-" + round;
            ApiClient.Response first = api.post("/v1/libraries",
                    "{\"id\":\"" + id + "\",\"name\":\"first\",\"dimension\":2}");
            assertEquals(202, first.status(), first.body().toString());
            ApiClient.Response second = api.post("/v1/libraries?wait=true",
                    "{\"id\":\"" + id + "\",\"name\":\"second\",\"dimension\":2}");
            assertEquals(409, second.status(), second.body().toString());
            assertEquals("conflict", second.errorCode());
            assertEquals("first", api.get("/v1/libraries/" + id, first.token()).body().get("name").asText());

            ApiClient.Response rename = api.patch("/v1/libraries/" + id, "{\"name\":\"renamed\"}");
            ApiClient.Response retag = api.patch("/v1/libraries/" + id + "?wait=true", "{\"metadata\":{\"team\":\"b\"}}");
            assertTrue(retag.status() == 200 || retag.status() == 409, retag.body().toString());
            JsonNode after = api.get("/v1/libraries/" + id, rename.token()).body();
            assertEquals("renamed", after.get("name").asText(), "the first PATCH stands: " + after);
            assertEquals(retag.status() == 200 ? "b" : null, after.path("metadata").path("team").textValue(),
                    after.toString());
        }
    }

    @Test
    void badRequestsGetJsonErrorsNamingTheField() throws Exception {
        api.post("/v1/libraries?wait=true", "{\"id\":\"errors\",\"name\":\"e\",\"dimension\":3}");
        api.put("/v1/libraries/errors/documents/d?wait=true", "{}");

        assertError(api.post("/v1/libraries", "{\"name\":\"n\",\"dimension\":\"three\"}"), 400, "dimension");
        assertError(api.post("/v1/libraries", "{\"name\":\"n\"}"), 400, "dimension");
        assertError(api.post("/v1/libraries", "{\"name\":\"n\",\"dimension\":3,\"metric\":\"manhattan\"}"), 400, "metric");
        assertError(api.post("/v1/libraries", "{\"name\":\"n\",\"dimension\":3,\"extra\":1}"), 400, "extra");
        assertError(api.post("/v1/libraries", "{\"id\":\"errors\",\"name\":\"n\",\"dimension\":3}"), 409, "id");
        assertError(api.post("/v1/libraries", "{not json"), 400, null);
        assertError(api.post("/v1/libraries", "[1,2]"), 400, null);
        assertError(api.patch("/v1/libraries/errors", "{\"dimension\":4}"), 400, "dimension");
        assertError(api.put("/v1/libraries/errors/documents/d/chunks/c", "{\"embedding\":[1,2]}"), 400, "embedding");
        assertError(api.put("/v1/libraries/errors/documents/d/chunks/c", "{\"embedding\":[0,0,0]}"), 400, "embedding");
        assertError(api.put("/v1/libraries/errors/documents/d/chunks/c", "{\"text\":\"no vector\"}"), 400, "embedding");
        assertError(api.put("/v1/libraries/errors/documents/d/chunks/c", "{\"id\":\"other\",\"embedding\":[1,2,3]}"),
                400, "id");
        assertError(api.put("/v1/libraries/errors/documents/d2",
                "{\"chunks\":[{\"id\":\"a\",\"embedding\":[1,2,3]},{\"id\":\"b\",\"embedding\":[1]}]}"),
                400, "chunks[1].embedding");
        assertError(api.post("/v1/libraries/errors/search", "{\"vector\":[1,2,3],\"k\":0}"), 400, "k");
        assertError(api.post("/v1/libraries/errors/search", "{\"vector\":[1,2,3],\"k\":1001}"), 400, "k");
        assertError(api.post("/v1/libraries/errors/search", "{\"vector\":[1,2]}"), 400, "vector");
        assertError(api.post("/v1/libraries/errors/search", "{\"vector\":[1,2,3],\"maxLagOffsets\":-2}"), 400,
                "maxLagOffsets");
        assertError(api.post("/v1/libraries/errors/search", "{\"vector\":[1,2,3],\"allowPartial\":\"yes\"}"), 400,
                "allowPartial");
        assertError(api.get("/v1/libraries?limit=abc"), 400, "limit");
        assertError(api.get("/v1/libraries?cursor=***"), 400, "cursor");
        assertError(api.get("/v1/libraries/errors", "not-a-token"), 400, "X-Consistency-Token");
        assertError(api.get("/v1/libraries/errors", ","), 400, "X-Consistency-Token");
        assertError(api.get("/v1/libraries/errors?consistencyToken=0:-1"), 400, "consistencyToken");
        // A partition the events topic does not have: never satisfied, so not a 503 "retry".
        assertError(api.get("/v1/libraries/errors?consistencyToken=99:0"), 400, "consistencyToken");
        assertError(api.post("/v1/libraries", "{\"name\":\"n\",\"dimension\":3} trailing"), 400, null);
        assertError(api.post("/v1/libraries", "{\"name\":\"n\",\"dimension\":3}{\"name\":\"m\"}"), 400, null);
        assertError(api.post("/v1/libraries?wait=maybe", "{\"id\":\"not-published\",\"name\":\"n\",\"dimension\":3}"),
                400, "wait");
        assertError(api.put("/v1/libraries/errors/documents/d2?wait=true",
                "{\"chunks\":[{\"id\":\"a\",\"embedding\":[1,2,3]},{\"id\":\"a\",\"embedding\":[1,2,3]}]}"),
                400, "chunks[1].id");
        assertError(api.put("/v1/libraries/errors/documents/_bad", "{}"), 400, "documentId");
        assertError(api.get("/v1/libraries/" + "x".repeat(129)), 400, "libraryId");
        assertError(api.get("/v1/libraries/errors/documents/d/chunks/a~b~%24"), 400, "chunkId");

        assertError(api.get("/v1/libraries/missing"), 404, null);
        assertEquals(List.of(), eventsOf("not-published"), "a request refused with 400 publishes nothing");
        assertError(api.get("/v1/libraries/errors/documents/missing"), 404, null);
        assertError(api.get("/v1/libraries/errors/documents/d/chunks/missing"), 404, null);
        assertError(api.put("/v1/libraries/missing/documents/d", "{}"), 404, null);
        assertError(api.put("/v1/libraries/errors/documents/missing/chunks/c", "{\"embedding\":[1,2,3]}"), 404, null);
        assertError(api.delete("/v1/libraries/missing"), 404, null);
        assertError(api.post("/v1/libraries/missing/search", "{\"vector\":[1,2,3]}"), 404, null);
        assertError(api.get("/v1/nothing-here"), 404, null);

        assertError(api.send(HttpRequest.newBuilder(api.uri("/v1/libraries"))
                .POST(HttpRequest.BodyPublishers.ofString("name=x")), "text/plain"), 415, null);
        byte[] big = new byte[(int) Requests.MAX_BODY_BYTES + 10];
        Arrays.fill(big, (byte) ' ');
        // Expect: 100-continue, as a client of large uploads should: the server refuses the declared
        // length before the body is sent. Without it the server's close races the client's send
        // and the client may read a reset connection instead of the 413.
        assertError(api.send(HttpRequest.newBuilder(api.uri("/v1/libraries")).expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)), "application/json"), 413, null);
        assertError(api.send(HttpRequest.newBuilder(api.uri("/v1/libraries"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")), "bogus"), 415, null);
        // Refused by the server before routing: still a JSON error body.
        assertRawError("POST /v1/libraries HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 40000000\r\nConnection: close\r\n\r\n", 413, "payload_too_large");
        assertRawError("GET /v1/libraries?limit=%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 400,
                "invalid_request");
    }

    /** Sends a request as raw bytes (what an HTTP client library would refuse to send) and checks the JSON error. */
    private static void assertRawError(final String request, final int status, final String code) throws Exception {
        try (Socket socket = new Socket("localhost", service.port())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 " + status + " "), response);
            assertTrue(response.toLowerCase(Locale.ROOT).contains("content-type: application/json"), response);
            JsonNode body = Json.MAPPER.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertMatches(Schema.ERROR, body);
            assertEquals(code, body.get("error").get("code").asText(), response);
        }
    }

    /** Every event on the service's events topic whose key is {@code libraryId}. */
    private static List<String> eventsOf(final String libraryId) {
        return KafkaFixture.readAll(service.ingest().settings().bootstrapServers(),
                service.ingest().settings().topics().events()).stream()
                .filter(r -> libraryId.equals(r.key())).map(ConsumerRecord::value).toList();
    }

    private static void assertError(final ApiClient.Response response, final int status, final String field) {
        assertEquals(status, response.status(), response.body().toString());
        assertTrue(response.contentType().startsWith("application/json"), response.contentType());
        assertMatches(Schema.ERROR, response.body());
        assertEquals(field, response.errorField(), response.body().toString());
        assertTrue(response.body().get("error").get("message").asText().length() > 5);
    }

    static List<String> ids(final JsonNode items) {
        List<String> ids = new ArrayList<>();
        items.forEach(item -> ids.add(item.get("id").asText()));
        return ids;
    }

    static float[] gaussian(final Random random, final int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    /** The caller-facing score: cosine similarity, inner product or Euclidean distance. */
    static double score(final float[] v, final float[] q, final String metric) {
        double dot = 0;
        double vv = 0;
        double qq = 0;
        double l2 = 0;
        for (int i = 0; i < v.length; i++) {
            dot += v[i] * q[i];
            vv += v[i] * v[i];
            qq += q[i] * q[i];
            l2 += (v[i] - q[i]) * (v[i] - q[i]);
        }
        return switch (metric) {
            case "cosine" -> dot / Math.sqrt(vv * qq);
            case "dot" -> dot;
            default -> Math.sqrt(l2);
        };
    }

    static List<String> bruteForce(final List<float[]> vectors, final float[] query, final String metric, final int k) {
        Comparator<Integer> byScore = Comparator.comparingDouble(i -> score(vectors.get(i), query, metric));
        return IntStream.range(0, vectors.size()).boxed()
                .sorted("l2".equals(metric) ? byScore : byScore.reversed())
                .limit(k).map(i -> "c" + i).toList();
    }
}
