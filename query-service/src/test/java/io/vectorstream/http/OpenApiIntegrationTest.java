package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.cli.QueryService;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /openapi} on the running service: an OpenAPI 3.1 document whose references all
 * resolve inside it, with the schemas of the schemas module, and whose every operation reaches a
 * route of the service (not the "no such endpoint" answer, not Helidon's 404).
 */
@Tag("integration")
class OpenApiIntegrationTest {

    @Test
    void theDescriptionIsCompleteAndEveryOperationReachesARoute() {
        try (QueryService service = ServiceHarness.start()) {
            ApiClient api = new ApiClient(service.port());
            ApiClient.Response described = api.get("/openapi");
            assertEquals(200, described.status());
            assertTrue(described.contentType().startsWith("application/json"), described.contentType());
            JsonNode doc = described.body();
            assertEquals("3.1.0", doc.get("openapi").asText());
            assertTrue(doc.at("/components/schemas/search-request/properties/k").isObject(),
                    "the request schemas are the schemas module's");

            List<String> references = new ArrayList<>();
            collectReferences(doc, references);
            assertFalse(references.isEmpty());
            for (String reference : references) {
                assertTrue(reference.startsWith("#/"), reference);
                assertFalse(doc.at(reference.substring(1)).isMissingNode(), "unresolved " + reference);
            }

            int operations = 0;
            for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext();) {
                Map.Entry<String, JsonNode> path = paths.next();
                for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext();) {
                    String method = methods.next().toUpperCase(Locale.ROOT);
                    String concrete = path.getKey().replace("{lib}", "no-lib").replace("{doc}", "no-doc")
                            .replace("{chunk}", "no-chunk");
                    ApiClient.Response response = api.send(HttpRequest.newBuilder(api.uri(concrete))
                            .method(method, Set.of("POST", "PUT", "PATCH").contains(method)
                                    ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody()),
                            "application/json");
                    String what = method + " " + path.getKey() + " -> " + response.status() + " " + response.body();
                    assertNotEquals(405, response.status(), what);
                    if (response.status() == 404) {
                        assertTrue(path.getKey().startsWith("/v1/") && !response.body().path("error").path("message")
                                .asText().startsWith("no such endpoint"), what);
                    }
                    operations++;
                }
            }
            assertEquals(OpenApiDocument.OPERATIONS.size(), operations);
        }
    }

    private static void collectReferences(final JsonNode node, final List<String> into) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if (field.getKey().equals("$ref")) {
                    into.add(field.getValue().asText());
                } else {
                    collectReferences(field.getValue(), into);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectReferences(child, into));
        }
    }
}
