package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.cli.QueryService;
import io.vectorstream.schema.Json;
import io.vectorstream.service.SearchAdmission;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Searches past the instance's places ({@code http.max-concurrent-searches}) over HTTP: a single
 * search waits briefly, then gets 429 with {@code Retry-After} and the JSON error body; a batch's
 * search gets it at once, naming the search; everything else goes on; once a place is free,
 * searches are answered again. The burst is the test holding the only place, as a search that
 * runs would: what the others meet does not depend on this machine's speed.
 */
@Tag("integration")
class SearchAdmissionIntegrationTest {

    @Test
    void searchesPastThePlacesGet429WithRetryAfterAndTheRestOfTheApiGoesOn() throws Exception {
        try (QueryService service = ServiceHarness.start(QueryService.Http.of("127.0.0.1", 0)
                .withMaxConcurrentSearches(1))) {
            ApiClient api = new ApiClient(service.port());
            assertEquals(201, api.post("/v1/libraries?wait=true", "{\"id\": \"busy\", \"name\": \"b\", \"dimension\": 2}")
                    .status());
            assertEquals(201, api.put("/v1/libraries/busy/documents/d?wait=true", "{\"chunks\": [{\"id\": \"c\", "
                    + "\"text\": \"t\", \"embedding\": [1, 0]}]}").status());
            String search = "{\"vector\": [1, 0], \"k\": 1}";
            assertEquals(200, api.post("/v1/libraries/busy/search", search).status());

            HttpClient http = HttpClient.newHttpClient();
            try (SearchAdmission.Place held = service.searchAdmission().single()) {
                long start = System.nanoTime();
                HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + service.port() + "/v1/libraries/busy/search")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(search)).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(429, refused.statusCode(), refused.body());
                assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
                JsonNode error = Json.MAPPER.readTree(refused.body()).get("error");
                assertEquals("overloaded", error.get("code").asText(), refused.body());
                assertTrue(tookMillis >= SearchAdmission.WAIT.toMillis(), "it waited for a place first: " + tookMillis);
                assertTrue(tookMillis < 5_000, "and was refused quickly, not queued: " + tookMillis + " ms");

                ApiClient.Response batch = api.post("/v1/libraries/busy/search/batch", "{\"searches\": [" + search
                        + "]}");
                assertEquals(429, batch.status(), batch.body().toString());
                assertEquals("searches[0]", batch.errorField());

                // Everything that is not a search goes on.
                assertEquals(200, api.get("/v1/libraries/busy").status());
                assertEquals(201, api.put("/v1/libraries/busy/documents/d/chunks/e?wait=true",
                        "{\"text\": \"u\", \"embedding\": [0, 1]}").status());
            }
            ApiClient.Response answered = api.post("/v1/libraries/busy/search", search);
            assertEquals(200, answered.status(), answered.body().toString());
            assertEquals("c", answered.body().get("results").get(0).get("chunkId").asText());
            assertEquals(200, api.post("/v1/libraries/busy/search/batch", "{\"searches\": [" + search + "]}").status());
        }
    }
}
