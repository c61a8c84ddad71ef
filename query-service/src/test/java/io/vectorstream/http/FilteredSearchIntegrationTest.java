package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.cli.QueryService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
                // How each searched: the few matches scored exactly; without a filter, the index.
                JsonNode rare = api.post("/v1/libraries/" + lib + "/search", "{" + query
                        + ", \"filter\": {\"tag\": \"rare\"}}").body();
                assertEquals(List.of("exact-matches", true), List.of(rare.get("strategy").asText(),
                        rare.get("exhaustive").asBoolean()), rare.toString());
                JsonNode all = api.post("/v1/libraries/" + lib + "/search", "{" + query + "}").body();
                assertEquals(kind.equals("flat") ? List.of("exact", true) : List.of("index", false),
                        List.of(all.get("strategy").asText(), all.get("exhaustive").asBoolean()), all.toString());
                // An approximate index may pick other documents than brute force: those search exactly.
                String exactUnlessFlat = kind.equals("flat") ? "" : ", \"exact\": true";
                assertGroups(api, lib, query, exactUnlessFlat, 3, 2);
                assertGroups(api, lib, query, exactUnlessFlat + ", \"filter\": {\"n\": {\"$gte\": 300}}", 4, 3);
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
            assertGroupedLike(api, vector);
            ApiClient.Response unknownExample = api.post("/v1/libraries/filtered-flat/search",
                    "{\"like\": {\"documentId\": \"d3\", \"chunkId\": \"none\"}}");
            assertEquals(404, unknownExample.status(), unknownExample.body().toString());
            assertEquals("like", unknownExample.errorField());
            ApiClient.Response badCount = api.post("/v1/libraries/filtered-flat/count", "{\"filter\": {\"n\": []}}");
            assertEquals(400, badCount.status(), badCount.body().toString());
            assertEquals("filter.n", badCount.errorField());
            assertEquals(404, api.post("/v1/libraries/no-such/count", "{}").status());
            assertBatch(api);
        }
    }

    /**
     * Grouped search by example: the best two documents by their best chunk other than the
     * example, each with its two best such chunks, as brute force over every chunk groups them
     * (the example's document placed by its best remaining chunk).
     */
    private static void assertGroupedLike(final ApiClient api, final String exampleVector) {
        JsonNode every = api.post("/v1/libraries/filtered-flat/search", "{\"vector\": " + exampleVector
                + ", \"k\": 1000, \"exact\": true}").body();
        Map<String, List<String>> byDocument = new LinkedHashMap<>();
        every.get("results").forEach(hit -> {
            if (!(hit.path("documentId").asText().equals("d3") && hit.path("chunkId").asText().equals("c5"))) {
                byDocument.computeIfAbsent(hit.path("documentId").asText(), d -> new ArrayList<>())
                        .add(hit.path("chunkId").asText());
            }
        });
        List<String> expected = new ArrayList<>();
        byDocument.entrySet().stream().limit(2).forEach(e -> expected.add(e.getKey() + ":" + e.getValue().subList(0,
                Math.min(2, e.getValue().size()))));
        JsonNode grouped = api.post("/v1/libraries/filtered-flat/search", "{\"like\": {\"documentId\": \"d3\","
                + " \"chunkId\": \"c5\"}, \"k\": 2, \"groupBy\": \"documentId\", \"groupSize\": 2}").body();
        List<String> actual = new ArrayList<>();
        grouped.get("groups").forEach(group -> {
            List<String> chunks = new ArrayList<>();
            group.get("hits").forEach(hit -> chunks.add(hit.path("chunkId").asText()));
            actual.add(group.get("documentId").asText() + ":" + chunks);
        });
        assertEquals(expected, actual, grouped.toString());
    }

    /** A batch answers each search as the search alone does, in order; a wrong one is named by its index. */
    private static void assertBatch(final ApiClient api) {
        String batch = "/v1/libraries/filtered-flat/search/batch";
        String vector = "\"vector\": [0.3, -0.2, 0.9, 0.1, -0.5, 0.4, 0.2, -0.1]";
        List<String> searches = List.of("{" + vector + ", \"k\": 3}",
                "{" + vector + ", \"k\": 4, \"filter\": {\"tag\": \"rare\"}}",
                "{\"like\": {\"documentId\": \"d3\", \"chunkId\": \"c5\"}, \"k\": 2}",
                "{" + vector + ", \"k\": 2, \"groupBy\": \"documentId\", \"groupSize\": 2}");
        ApiClient.Response answer = api.post(batch, "{\"searches\": [" + String.join(", ", searches) + "]}");
        assertEquals(200, answer.status(), answer.body().toString());
        assertEquals(searches.size(), answer.body().get("responses").size());
        for (int i = 0; i < searches.size(); i++) {
            ObjectNode alone = (ObjectNode) api.post("/v1/libraries/filtered-flat/search", searches.get(i)).body();
            ObjectNode inBatch = (ObjectNode) answer.body().get("responses").get(i);
            alone.remove("tookMs");
            inBatch.remove("tookMs");
            assertEquals(alone, inBatch, "search " + i);
        }
        assertRefused(api, batch, "{\"searches\": [" + searches.getFirst() + ", {" + vector
                + ", \"filter\": {\"n\": {\"$between\": 1}}}]}", 400, "searches[1].filter.n.$between");
        assertRefused(api, batch, "{\"searches\": [" + searches.getFirst() + ", " + searches.getFirst() + ", {" + vector
                + ", \"k\": 0}]}", 400, "searches[2].k");
        assertRefused(api, batch, "{\"searches\": [{\"like\": {\"documentId\": \"d3\", \"chunkId\": \"none\"}}]}", 404,
                "searches[0].like");
        assertRefused(api, batch, "{\"searches\": [" + String.join(", ", Collections.nCopies(101,
                searches.getFirst())) + "]}", 400, "searches");
        assertRefused(api, batch, "{\"searches\": []}", 400, "searches");
    }

    private static void assertRefused(final ApiClient api, final String path, final String body, final int status,
                                      final String field) {
        ApiClient.Response refused = api.post(path, body);
        assertEquals(status, refused.status(), refused.body().toString());
        assertEquals(field, refused.errorField(), refused.body().toString());
    }

    /**
     * Grouped by document: the best {@code groups} documents, each with its best {@code size}
     * chunks, exactly as an exact search of every chunk, grouped here, gives them.
     */
    private static void assertGroups(final ApiClient api, final String lib, final String query, final String filter,
                                     final int groups, final int size) {
        JsonNode grouped = api.post("/v1/libraries/" + lib + "/search", "{" + query.replace("\"k\": 10", "\"k\": "
                + groups) + filter + ", \"groupBy\": \"documentId\", \"groupSize\": " + size + "}").body();
        JsonNode every = api.post("/v1/libraries/" + lib + "/search", "{" + query.replace("\"k\": 10", "\"k\": 1000")
                + filter.replace(", \"exact\": true", "") + ", \"exact\": true}").body();
        Map<String, List<String>> byDocument = new LinkedHashMap<>();
        every.get("results").forEach(hit -> byDocument.computeIfAbsent(hit.path("documentId").asText(),
                d -> new ArrayList<>()).add(hit.path("chunkId").asText()));
        List<String> expected = new ArrayList<>();
        byDocument.entrySet().stream().limit(groups).forEach(e -> expected.add(e.getKey() + ":"
                + e.getValue().subList(0, Math.min(size, e.getValue().size()))));
        List<String> actual = new ArrayList<>();
        grouped.get("groups").forEach(group -> {
            List<String> chunks = new ArrayList<>();
            group.get("hits").forEach(hit -> chunks.add(hit.path("chunkId").asText()));
            actual.add(group.get("documentId").asText() + ":" + chunks);
        });
        assertEquals(expected, actual, lib + " grouped" + filter + ": " + grouped);
        assertTrue(grouped.path("results").isMissingNode(), grouped.toString());
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
