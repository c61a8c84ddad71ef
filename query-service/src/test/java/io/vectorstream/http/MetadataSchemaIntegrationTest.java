package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.cli.QueryService;
import io.vectorstream.schema.Json;
import io.vectorstream.stream.DeadLetters;
import io.vectorstream.testing.KafkaFixture;
import io.vectorstream.util.Pause;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A library's {@code metadataSchema} over HTTP and Kafka: chunk metadata of another type than
 * declared is a 400 naming the field, and a dead letter naming it when it comes as an event;
 * filters on declared fields are type-checked; a {@code timestamp} field compares as instants,
 * whatever the offset its values are written with.
 */
@Tag("integration")
class MetadataSchemaIntegrationTest {

    private static final String SCHEMA = "{\"year\": \"number\", \"tags\": \"string[]\", \"published\": \"timestamp\","
            + " \"draft\": \"boolean\", \"title\": \"string\"}";

    @Test
    void metadataOfTheWrongTypeIsRefusedEverywhereAndDeclaredTimesCompareAsInstants() throws Exception {
        try (QueryService service = ServiceHarness.start()) {
            ApiClient api = new ApiClient(service.port());
            ApiClient.Response created = api.post("/v1/libraries?wait=true", "{\"id\": \"typed\", \"name\": \"t\","
                    + " \"dimension\": 2, \"metadataSchema\": " + SCHEMA + "}");
            assertEquals(201, created.status(), created.body().toString());
            assertEquals(Json.tree(SCHEMA), created.body().get("metadataSchema"));
            ApiClient.Response unknownType = api.post("/v1/libraries", "{\"name\": \"u\", \"dimension\": 2,"
                    + " \"metadataSchema\": {\"year\": \"int\"}}");
            assertEquals(400, unknownType.status(), unknownType.body().toString());
            assertEquals("metadataSchema.year", unknownType.errorField());

            // Chunks whose metadata keeps to the schema (undeclared fields are free); the same
            // instant written with two offsets.
            ApiClient.Response written = api.put("/v1/libraries/typed/documents/d?wait=true", "{\"chunks\": ["
                    + chunk("a", "{\"year\": 2021, \"published\": \"2026-12-01T10:00:00Z\", \"tags\": [\"x\"]}") + ", "
                    + chunk("b", "{\"year\": 2019.5, \"published\": \"2026-12-01T12:00:00+02:00\", \"other\": 1}")
                    + ", " + chunk("c", "{\"published\": \"2026-12-02T00:00:00.250Z\", \"draft\": true}") + "]}");
            assertEquals(201, written.status(), written.body().toString());

            assertRefused(api.put("/v1/libraries/typed/documents/e", "{\"chunks\": [" + chunk("ok", "{}") + ", "
                    + chunk("bad", "{\"year\": \"2021\"}") + "]}"), "chunks[1].metadata.year");
            assertRefused(api.put("/v1/libraries/typed/documents/d/chunks/z", chunk("z", "{\"tags\": [\"x\", 2]}")),
                    "metadata.tags");
            assertRefused(api.put("/v1/libraries/typed/documents/d/chunks/z", chunk("z",
                    "{\"published\": \"yesterday\"}")), "metadata.published");

            // Filters on declared fields: typed.
            assertRefused(search(api, "{\"year\": {\"$gt\": \"2020\"}}"), "filter.year.$gt");
            assertRefused(search(api, "{\"year\": {\"$in\": [2020, \"x\"]}}"), "filter.year.$in[1]");
            assertRefused(search(api, "{\"tags\": \"x\"}"), "filter.tags");
            assertRefused(search(api, "{\"year\": {\"$contains\": \"2\"}}"), "filter.year.$contains");
            assertRefused(search(api, "{\"published\": {\"$gte\": \"Monday\"}}"), "filter.published.$gte");
            assertRefused(api.post("/v1/libraries/typed/count", "{\"filter\": {\"draft\": 1}}"), "filter.draft");

            // A timestamp compares as an instant: 12:00+02:00 is 10:00Z.
            assertEquals(List.of("a", "b"), ids(search(api, "{\"published\": \"2026-12-01T10:00:00Z\"}")));
            assertEquals(List.of("c"), ids(search(api, "{\"published\": {\"$gt\": \"2026-12-01T23:00:00-01:00\"}}")));
            assertEquals(2, api.post("/v1/libraries/typed/count", "{\"filter\": {\"published\": {\"$lt\":"
                    + " \"2026-12-02T00:00:00.250Z\"}}}").body().get("count").asInt());
            assertEquals(List.of("a"), ids(search(api, "{\"tags\": {\"$contains\": \"x\"}}")));
            assertEquals(List.of("b"), ids(search(api, "{\"year\": {\"$lt\": 2020}}")));

            // The same rule on Kafka: the event is a dead letter naming the field, the others apply.
            String bootstrap = service.ingest().settings().bootstrapServers();
            String events = service.ingest().settings().topics().events();
            Properties props = new Properties();
            props.put("bootstrap.servers", bootstrap);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>(events, "typed", "{\"type\": \"document.upserted\", \"libraryId\":"
                        + " \"typed\", \"documentId\": \"k\", \"payload\": {\"chunks\": [" + chunk("k1", "{\"draft\": \"no\"}")
                        + "]}}")).get();
                producer.send(new ProducerRecord<>(events, "typed", "{\"type\": \"chunk.upserted\", \"libraryId\":"
                        + " \"typed\", \"documentId\": \"d\", \"chunkId\": \"k2\", \"payload\": " + chunk("k2",
                        "{\"year\": 1999}") + "}")).get();
            }
            List<String> fields = new ArrayList<>();
            for (int i = 0; i < 300 && fields.isEmpty(); i++) {
                Pause.millis(100, "the dead letter");
                for (ConsumerRecord<String, String> letter : KafkaFixture.readAll(bootstrap,
                        service.ingest().settings().topics().deadLetter())) {
                    fields.add(new String(letter.headers().lastHeader(DeadLetters.FIELD).value(), StandardCharsets.UTF_8));
                }
            }
            assertEquals(List.of("payload.chunks[0].metadata.draft"), fields);
            for (int i = 0; i < 300 && api.get("/v1/libraries/typed/documents/d/chunks/k2").status() != 200; i++) {
                Pause.millis(100, "the valid event");
            }
            assertEquals(List.of("k2"), ids(search(api, "{\"year\": {\"$lt\": 2000}}")));

            // The schema changes with a PATCH ({} removes it); chunks written before are not checked again.
            ApiClient.Response patched = api.patch("/v1/libraries/typed?wait=true", "{\"metadataSchema\": {}}");
            assertEquals(200, patched.status(), patched.body().toString());
            assertTrue(patched.body().path("metadataSchema").isMissingNode(), patched.body().toString());
            assertEquals(200, search(api, "{\"year\": {\"$gt\": \"2020\"}}").status());
        }
    }

    private static String chunk(final String id, final String metadata) {
        return "{\"id\": \"" + id + "\", \"embedding\": [1, 0.5], \"metadata\": " + metadata + "}";
    }

    private static ApiClient.Response search(final ApiClient api, final String filter) {
        return api.post("/v1/libraries/typed/search", "{\"vector\": [1, 0], \"k\": 10, \"filter\": " + filter + "}");
    }

    private static List<String> ids(final ApiClient.Response response) {
        assertEquals(200, response.status(), response.body().toString());
        List<String> ids = new ArrayList<>();
        response.body().get("results").forEach(hit -> ids.add(hit.get("chunkId").asText()));
        ids.sort(null);
        return ids;
    }

    private static void assertRefused(final ApiClient.Response response, final String field) {
        assertEquals(400, response.status(), response.body().toString());
        assertEquals(field, response.errorField(), response.body().toString());
    }
}
