package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.cli.QueryService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Filtered search over HTTP for every index kind: a filter never under-fills (min(k, matches)
 * results, however few match), every result matches it, chunk metadata, document metadata and
 * built-ins all filter, and a malformed filter is a 400 naming its path.
 */
@Tag("integration")
class FilteredSearchIntegrationTest {

    private static final int DOCUMENTS = 20;
    private static final int CHUNKS_PER_DOCUMENT = 30;
    private static final int DIMENSION = 8;

    @Test
    void filtersNeverUnderFillAndEveryResultMatches() {
        try (QueryService service = ServiceHarness.start()) {
            ApiClient api = new ApiClient(service.port());
            for (String index : new String[] {
                "{\"kind\": \"flat\"}",
                "{\"kind\": \"ivf\", \"params\": {\"nlist\": 16, \"nprobe\": 1, \"trainThreshold\": 100}}",
                "{\"kind\": \"lsh\", \"params\": {\"tables\": 2, \"bits\": 10, \"probes\": 1}}"}) {
                String kind = index.substring(10, index.indexOf('"', 10));
                String lib = "filtered-" + kind;
                assertEquals(201, api.post("/v1/libraries?wait=true", "{\"id\": \"" + lib + "\", \"name\": \"f\","
                        + " \"dimension\": " + DIMENSION + ", \"index\": " + index + "}").status());
                Random random = new Random(7);
                for (int d = 0; d < DOCUMENTS; d++) {
                    StringBuilder chunks = new StringBuilder();
                    for (int c = 0; c < CHUNKS_PER_DOCUMENT; c++) {
                        int n = d * CHUNKS_PER_DOCUMENT + c;
                        chunks.append(c == 0 ? "" : ",").append("{\"id\": \"c").append(c).append("\", \"embedding\": [");
                        for (int i = 0; i < DIMENSION; i++) {
                            chunks.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f",
                                    random.nextFloat() * 2 - 1));
                        }
                        chunks.append("], \"metadata\": {\"n\": ").append(n).append(", \"tag\": \"")
                                .append(n % 100 == 7 ? "rare" : "common").append("\"}}");
                    }
                    assertEquals(201, api.put("/v1/libraries/" + lib + "/documents/d" + d + "?wait=true",
                            "{\"metadata\": {\"lang\": \"" + (d % 2 == 0 ? "en" : "de") + "\"}, \"chunks\": ["
                                    + chunks + "]}").status());
                }
                if (kind.equals("ivf")) {
                    assertEquals(200, api.post("/v1/libraries/" + lib + "/index?wait=true", "{}").status());
                }
                String query = "\"vector\": [0.3, -0.2, 0.9, 0.1, -0.5, 0.4, 0.2, -0.1], \"k\": 10";
                // 6 of 600 match (1%): all six, every time, whatever the index probes.
                assertMatches(api, lib, query, "{\"tag\": \"rare\"}", 6, hit -> hit.path("metadata").path("tag")
                        .asText().equals("rare"));
                // 40 match: k of them.
                assertMatches(api, lib, query, "{\"n\": {\"$lt\": 40}}", 10,
                        hit -> hit.path("metadata").path("n").asInt() < 40);
                // A document field and a built-in with a chunk field: rare chunks of English documents.
                Set<String> english = new HashSet<>();
                for (int d = 0; d < DOCUMENTS; d += 2) {
                    english.add("d" + d);
                }
                long rareInEnglish = countRare(english);
                assertMatches(api, lib, query, "{\"document.lang\": \"en\", \"tag\": \"rare\"}", (int) rareInEnglish,
                        hit -> english.contains(hit.path("documentId").asText()));
                assertMatches(api, lib, query, "{\"$and\": [{\"documentId\": {\"$in\": [\"d0\", \"d1\"]}},"
                        + " {\"id\": {\"$ne\": \"c0\"}}]}", 10, hit -> Set.of("d0", "d1")
                        .contains(hit.path("documentId").asText()) && !hit.path("chunkId").asText().equals("c0"));
                assertMatches(api, lib, query, "{\"tag\": \"none\"}", 0, hit -> false);
                // Count: the exact number of matches over every shard.
                assertCount(api, lib, "{}", DOCUMENTS * CHUNKS_PER_DOCUMENT);
                assertCount(api, lib, "{\"filter\": {\"tag\": \"rare\"}}", 6);
                assertCount(api, lib, "{\"filter\": {\"n\": {\"$lt\": 40}}}", 40);
                assertCount(api, lib, "{\"filter\": {\"document.lang\": \"en\", \"tag\": \"rare\"}}", rareInEnglish);
            }
            ApiClient.Response refused = api.post("/v1/libraries/filtered-flat/search",
                    "{\"vector\": [1, 0, 0, 0, 0, 0, 0, 0], \"filter\": {\"$or\": [{\"n\": 1}, {\"n\": {\"$between\": 1}}]}}");
            assertEquals(400, refused.status(), refused.body().toString());
            assertEquals("filter.$or[1].n.$between", refused.errorField());
            // Search by example: the nearest to a stored chunk's vector, the chunk itself left out,
            // as a search with that vector finds them.
            ApiClient.Response example = api.get("/v1/libraries/filtered-flat/documents/d3/chunks/c5?include=embedding");
            String vector = example.body().get("embedding").toString();
            ApiClient.Response byVector = api.post("/v1/libraries/filtered-flat/search", "{\"vector\": " + vector
                    + ", \"k\": 6, \"filter\": {\"tag\": \"common\"}}");
            ApiClient.Response like = api.post("/v1/libraries/filtered-flat/search", "{\"like\": {\"documentId\": \"d3\","
                    + " \"chunkId\": \"c5\"}, \"k\": 5, \"filter\": {\"tag\": \"common\"}}");
            assertEquals(200, like.status(), like.body().toString());
            List<String> expected = new ArrayList<>();
            byVector.body().get("results").forEach(hit -> expected.add(hit.path("documentId").asText() + "/"
                    + hit.path("chunkId").asText()));
            assertEquals("d3/c5", expected.getFirst(), "the example is its own nearest: " + byVector.body());
            List<String> found = new ArrayList<>();
            like.body().get("results").forEach(hit -> found.add(hit.path("documentId").asText() + "/"
                    + hit.path("chunkId").asText()));
            assertEquals(expected.subList(1, 6), found, like.body().toString());
            ApiClient.Response unknownExample = api.post("/v1/libraries/filtered-flat/search",
                    "{\"like\": {\"documentId\": \"d3\", \"chunkId\": \"none\"}}");
            assertEquals(404, unknownExample.status(), unknownExample.body().toString());
            assertEquals("like", unknownExample.errorField());
            ApiClient.Response badCount = api.post("/v1/libraries/filtered-flat/count", "{\"filter\": {\"n\": []}}");
            assertEquals(400, badCount.status(), badCount.body().toString());
            assertEquals("filter.n", badCount.errorField());
            assertEquals(404, api.post("/v1/libraries/no-such/count", "{}").status());
        }
    }

    private static void assertCount(final ApiClient api, final String lib, final String body, final long expected) {
        ApiClient.Response count = api.post("/v1/libraries/" + lib + "/count", body);
        assertEquals(200, count.status(), count.body().toString());
        assertEquals(expected, count.body().get("count").asLong(), lib + " " + body);
    }

    private static long countRare(final Set<String> documents) {
        long count = 0;
        for (int d = 0; d < DOCUMENTS; d++) {
            for (int c = 0; c < CHUNKS_PER_DOCUMENT; c++) {
                if ((d * CHUNKS_PER_DOCUMENT + c) % 100 == 7 && documents.contains("d" + d)) {
                    count++;
                }
            }
        }
        return count;
    }

    private static void assertMatches(final ApiClient api, final String lib, final String query, final String filter,
                                      final int expected, final Predicate<JsonNode> matches) {
        ApiClient.Response response = api.post("/v1/libraries/" + lib + "/search", "{" + query + ", \"filter\": "
                + filter + "}");
        assertEquals(200, response.status(), response.body().toString());
        List<JsonNode> hits = new ArrayList<>();
        response.body().get("results").forEach(hits::add);
        String what = lib + " " + filter + ": " + response.body();
        assertEquals(expected, hits.size(), what);
        assertTrue(hits.stream().allMatch(matches), what);
        // The same filter searched exactly: the approximate index found the same matches.
        ApiClient.Response exact = api.post("/v1/libraries/" + lib + "/search", "{" + query + ", \"exact\": true,"
                + " \"filter\": " + filter + "}");
        List<String> exactIds = new ArrayList<>();
        exact.body().get("results").forEach(hit -> exactIds.add(hit.path("documentId").asText() + "/"
                + hit.path("chunkId").asText()));
        long found = hits.stream().filter(hit -> exactIds.contains(hit.path("documentId").asText() + "/"
                + hit.path("chunkId").asText())).count();
        assertTrue(found >= Math.round(0.9 * exactIds.size()), "recall against exact filtered search: " + what
                + " vs " + exactIds);
    }
}
