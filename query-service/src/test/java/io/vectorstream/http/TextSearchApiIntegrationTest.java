package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.vectorstream.cli.QueryService;
import io.vectorstream.embed.Embedder;
import io.vectorstream.embed.Precision;
import io.vectorstream.embed.TestModel;
import io.vectorstream.schema.SchemaValidator.Schema;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Search by text and the model over HTTP, end to end on a real broker with the real model. */
@Tag("integration")
class TextSearchApiIntegrationTest {

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

    @Test
    void aLibraryWithAModelTakesTextChunksAndIsSearchableByText() {
        ApiClient.Response created = api.post("/v1/libraries?wait=true",
                "{\"id\":\"recipes\",\"name\":\"Recipes\",\"model\":\"all-minilm-l6-v2\"}");
        assertEquals(201, created.status(), created.body().toString());
        RestApiIntegrationTest.assertMatches(Schema.LIBRARY_RESPONSE, created.body());
        assertEquals(384, created.body().get("dimension").asInt(), "the model's dimension");
        assertEquals("all-minilm-l6-v2", created.body().get("model").asText());

        ApiClient.Response document = api.put("/v1/libraries/recipes/documents/book?wait=true", """
                {"chunks":[
                  {"id":"bread","text":"Knead the dough, let it rise overnight, then bake the loaf at 230 degrees."},
                  {"id":"salad","text":"Toss cucumber, tomato and feta with olive oil and oregano."},
                  {"id":"soup","text":"Simmer onions in butter and stock, then blend into a smooth soup."},
                  {"id":"tyres","text":"Check the tyre pressure of your bicycle before a long ride."}]}""");
        assertEquals(201, document.status(), document.body().toString());
        ApiClient.Response chunk = api.put("/v1/libraries/recipes/documents/book/chunks/cake?wait=true",
                "{\"text\":\"Whisk eggs and sugar, fold in flour, and bake the sponge cake for 25 minutes.\"}");
        assertEquals(201, chunk.status(), chunk.body().toString());
        assertEquals(384, chunk.body().get("embedding").size(), "the stored vector is the model's");

        ApiClient.Response search = api.post("/v1/libraries/recipes/search",
                "{\"text\":\"how do I make a loaf of bread\",\"k\":3}");
        assertEquals(200, search.status(), search.body().toString());
        RestApiIntegrationTest.assertMatches(Schema.SEARCH_RESPONSE, search.body());
        assertEquals("bread", search.body().get("results").get(0).get("chunkId").asText());
        // Searched again, the text's vector is the one kept: the same answer, the model not run.
        double queriesEmbedded = queriesEmbedded();
        ApiClient.Response again = api.post("/v1/libraries/recipes/search",
                "{\"text\":\"how do I make a loaf of bread\",\"k\":3}");
        assertEquals(ids(search.body()), ids(again.body()));
        assertEquals(queriesEmbedded, queriesEmbedded(), "the model ran for none of it");
        ApiClient.Response bike = api.post("/v1/libraries/recipes/search", "{\"text\":\"cycling maintenance\",\"k\":1}");
        assertEquals(queriesEmbedded + 1, queriesEmbedded(), "a new text runs the model");
        assertEquals("tyres", bike.body().get("results").get(0).get("chunkId").asText());

        // A text query equals a vector query with the model's vector of that text.
        float[] vector = TestModel.embedder().embed(List.of("how do I make a loaf of bread"),
                Embedder.Purpose.QUERY)[0];
        ApiClient.Response byVector = api.post("/v1/libraries/recipes/search",
                "{\"vector\":" + Arrays.toString(vector) + ",\"k\":3}");
        assertEquals(ids(search.body()), ids(byVector.body()));
    }

    @Test
    void theModelIsServedOverHttp() {
        ApiClient.Response embedded = api.post("/v1/embed",
                "{\"texts\":[\"A man is eating food.\",\"A man is eating a piece of bread.\"]}");
        assertEquals(200, embedded.status(), embedded.body().toString());
        RestApiIntegrationTest.assertMatches(Schema.EMBED_RESPONSE, embedded.body());
        assertEquals("all-minilm-l6-v2", embedded.body().get("model").asText());
        JsonNode vectors = embedded.body().get("embeddings");
        assertEquals(2, vectors.size());
        double dot = 0;
        for (int i = 0; i < 384; i++) {
            dot += vectors.get(0).get(i).asDouble() * vectors.get(1).get(i).asDouble();
        }
        ApiClient.Response models = api.get("/v1/models");
        assertEquals(200, models.status());
        JsonNode model = models.body().get("models").get(0);
        assertEquals("all-minilm-l6-v2", model.get("id").asText());
        assertEquals(Precision.fastestNative().label(), model.get("precision").asText());
        // The published figure; bfloat16 dense layers may move a pair's score by about a thousandth.
        assertEquals(0.7553, dot, Precision.fastestNative() == Precision.FLOAT32 ? 5e-4 : 2e-3);
    }

    @Test
    void textWhereNoModelCanTakeItIsA400NamingTheField() {
        assertEquals(201, api.post("/v1/libraries?wait=true",
                "{\"id\":\"vectors-only\",\"name\":\"V\",\"dimension\":3}").status());
        assertError(api.post("/v1/libraries/vectors-only/search", "{\"text\":\"hello\"}"), "text");
        assertError(api.put("/v1/libraries/vectors-only/documents/d?wait=true",
                "{\"chunks\":[{\"id\":\"a\",\"text\":\"no vector\"}]}"), "chunks[0].embedding");
        assertError(api.post("/v1/libraries", "{\"name\":\"x\",\"model\":\"no-such-model\"}"), "model");
        assertError(api.post("/v1/libraries", "{\"name\":\"neither dimension nor model\"}"), "dimension");
        assertError(api.post("/v1/libraries", "{\"name\":\"x\",\"model\":\"all-minilm-l6-v2\",\"dimension\":3}"),
                "dimension");
        assertError(api.post("/v1/embed", "{\"texts\":[\"fine\",\"   \"]}"), "texts[1]");
        assertError(api.post("/v1/embed", "{\"texts\":[\"fine\"],\"model\":\"no-such-model\"}"), "model");
        assertError(api.post("/v1/embed", "{\"texts\":[]}"), "texts");
    }

    /** Query texts the models embedded in this process. */
    private static double queriesEmbedded() {
        return Metrics.globalRegistry.find("vectorstream.embeddings.computed").tag("purpose", "query").counters()
                .stream().mapToDouble(Counter::count).sum();
    }

    private static void assertError(final ApiClient.Response response, final String field) {
        assertEquals(400, response.status(), response.body().toString());
        assertEquals(field, response.errorField(), response.body().toString());
        assertTrue(response.body().get("error").get("message").asText().length() > 10);
    }

    private static List<String> ids(final JsonNode search) {
        List<String> ids = new ArrayList<>();
        search.get("results").forEach(hit -> ids.add(hit.get("chunkId").asText()));
        return ids;
    }
}
