package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.cli.QueryService;
import io.vectorstream.security.ApiKeys;
import io.vectorstream.security.ApiKeys.Scope;
import io.vectorstream.security.ApiKeyFile;
import io.vectorstream.testing.KafkaFixture;
import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The API with keys, over HTTP: every kind of route against no key, an unknown key, a key of too
 * small a scope, a key of another library, and the right key; a key revoked in the file is refused
 * within seconds, without a restart.
 */
@Tag("integration")
class ApiKeyIntegrationTest {

    private static final String DOC = "{\"metadata\": {}, \"chunks\": [{\"id\": \"c\", \"embedding\": [1, 0, 0]}]}";
    private static final String SEARCH = "{\"vector\": [1, 0, 0], \"k\": 1}";

    @Test
    void everyRouteNeedsAKeyOfItsScopeAndLibrary() throws Exception {
        Path file = Directories.temporary("api-keys").resolve("api-keys.json");
        ApiKeys.Created admin = ApiKeys.none().create("admin", Scope.ADMIN, Set.of());
        ApiKeys.Created writer = ApiKeys.none().create("writer", Scope.WRITE, Set.of());
        ApiKeys.Created reader = ApiKeys.none().create("reader", Scope.READ, Set.of());
        ApiKeys.Created readerOfA = ApiKeys.none().create("reader-a", Scope.READ, Set.of("lib-a"));
        ApiKeys keys = ApiKeys.none().with(admin.key()).with(writer.key()).with(reader.key()).with(readerOfA.key());
        keys.write(file);
        try (QueryService service = ServiceHarness.startWithKeys(file)) {
            ApiClient anonymous = new ApiClient(service.port());
            ApiClient asAdmin = anonymous.withHeader("X-Api-Key", admin.secret());
            ApiClient asWriter = anonymous.withHeader("Authorization", "Bearer " + writer.secret());
            ApiClient asReader = anonymous.withHeader("X-Api-Key", reader.secret());
            ApiClient asReaderOfA = anonymous.withHeader("X-Api-Key", readerOfA.secret());
            ApiClient stranger = anonymous.withHeader("X-Api-Key", "vs_not-a-key-of-this-deployment");

            // Admin: libraries.
            for (String lib : new String[] {"lib-a", "lib-b"}) {
                expect(201, asAdmin.post("/v1/libraries?wait=true", "{\"id\": \"" + lib + "\", \"name\": \"" + lib
                        + "\", \"dimension\": 3}"));
            }
            expect(403, asWriter.post("/v1/libraries", "{\"id\": \"lib-c\", \"name\": \"c\", \"dimension\": 3}"));
            expect(403, asReader.patch("/v1/libraries/lib-a", "{\"name\": \"renamed\"}"));
            expect(403, asWriter.post("/v1/libraries/lib-a/index", "{}"));
            expect(403, asWriter.delete("/v1/libraries/lib-b"));

            // Write: documents and chunks.
            expect(201, asWriter.put("/v1/libraries/lib-a/documents/d?wait=true", DOC));
            expect(403, asReader.put("/v1/libraries/lib-a/documents/d2", DOC));
            expect(403, asReaderOfA.delete("/v1/libraries/lib-a/documents/d/chunks/c"));

            // Read: reads, search, cluster; a library-limited key only its library.
            expect(200, asReader.get("/v1/libraries"));
            expect(200, asReader.get("/v1/libraries/lib-a/documents/d/chunks/c"));
            expect(200, asReader.post("/v1/libraries/lib-a/search", SEARCH));
            expect(200, asReader.get("/v1/cluster"));
            expect(200, asReaderOfA.get("/v1/libraries/lib-a"));
            expect(200, asReaderOfA.post("/v1/libraries/lib-a/search", SEARCH));
            expect(403, asReaderOfA.get("/v1/libraries/lib-b"));
            expect(403, asReaderOfA.post("/v1/libraries/lib-b/search", SEARCH));
            expect(403, asReaderOfA.get("/v1/libraries"));

            // No key, an unknown key: 401 everywhere under /v1, health stays open.
            for (ApiClient nobody : new ApiClient[] {anonymous, stranger}) {
                ApiClient.Response refused = nobody.get("/v1/libraries/lib-a");
                expect(401, refused);
                assertEquals("unauthorized", refused.errorCode());
                expect(401, nobody.post("/v1/libraries/lib-a/search", SEARCH));
                expect(401, nobody.get("/v1/cluster"));
                expect(401, nobody.get("/v1/no-such-route"));
            }
            expect(200, anonymous.get("/observe/health/live"));

            // Metrics, guarded here: a key of scope metrics or admin, no other.
            ApiKeys.Created scraper = ApiKeys.none().create("scraper", Scope.METRICS, Set.of());
            keys = keys.with(scraper.key());
            keys.write(file);
            ApiClient asScraper = anonymous.withHeader("X-Api-Key", scraper.secret());
            awaitStatus(200, asScraper, "/observe/metrics");
            expect(401, anonymous.get("/observe/metrics"));
            expect(403, asReader.get("/observe/metrics"));
            expect(200, asAdmin.get("/observe/metrics"));
            expect(403, asScraper.get("/v1/libraries"));

            // Admin may do everything.
            expect(200, asAdmin.patch("/v1/libraries/lib-b?wait=true", "{\"name\": \"renamed\"}"));
            expect(200, asAdmin.delete("/v1/libraries/lib-b?wait=true"));
            expect(201, asWriter.put("/v1/libraries/lib-a/documents/d/chunks/c2?wait=true",
                    "{\"embedding\": [0, 1, 0]}"));
            expect(200, asWriter.delete("/v1/libraries/lib-a/documents/d/chunks/c2?wait=true"));
            expect(202, asAdmin.post("/v1/libraries/lib-a/index", "{}"));

            // The event log is the audit trail: each event names the key that asked for it.
            List<String> principals = KafkaFixture.readAll(service.ingest().settings().bootstrapServers(),
                    service.ingest().settings().topics().events()).stream()
                    .map(r -> r.headers().lastHeader("vectorstream.principal"))
                    .map(h -> h == null ? "(none)" : new String(h.value(), StandardCharsets.UTF_8)).toList();
            assertEquals(List.of("admin", "admin", "admin", "admin", "admin", "writer", "writer", "writer"),
                    principals.stream().sorted().toList(), "two creates, a change, a delete and an index request by"
                    + " the admin; a document and a chunk written and the chunk deleted by the writer");

            // Revoked in the file: refused within seconds, no restart.
            keys.without("reader").write(file);
            long deadline = System.nanoTime() + 10_000_000_000L;
            int status;
            while ((status = asReader.get("/v1/libraries").status()) == 200 && System.nanoTime() < deadline) {
                Pause.millis(200, "the service to read the keys again");
            }
            assertEquals(401, status, "a revoked key is refused");
            expect(200, asWriter.get("/v1/libraries"));
        }
    }

    /** The scope each operation needs, written out here rather than asked of the code under test. */
    private static final String LIB = "/v1/libraries/{lib}";
    private static final String DOCS = LIB + "/documents";
    private static final Map<String, Scope> NEEDED = Map.ofEntries(
            Map.entry("POST /v1/libraries", Scope.ADMIN), Map.entry("GET /v1/libraries", Scope.READ),
            Map.entry("GET " + LIB, Scope.READ), Map.entry("PATCH " + LIB, Scope.ADMIN),
            Map.entry("DELETE " + LIB, Scope.ADMIN), Map.entry("POST " + LIB + "/search", Scope.READ),
            Map.entry("POST " + LIB + "/count", Scope.READ), Map.entry("POST " + LIB + "/search/batch", Scope.READ),
            Map.entry("POST " + LIB + "/index", Scope.ADMIN), Map.entry("GET " + LIB + "/index", Scope.READ),
            Map.entry("PUT " + DOCS + "/{doc}", Scope.WRITE), Map.entry("GET " + DOCS, Scope.READ),
            Map.entry("GET " + DOCS + "/{doc}", Scope.READ), Map.entry("DELETE " + DOCS + "/{doc}", Scope.WRITE),
            Map.entry("PUT " + DOCS + "/{doc}/chunks/{chunk}", Scope.WRITE),
            Map.entry("GET " + DOCS + "/{doc}/chunks", Scope.READ),
            Map.entry("GET " + DOCS + "/{doc}/chunks/{chunk}", Scope.READ),
            Map.entry("DELETE " + DOCS + "/{doc}/chunks/{chunk}", Scope.WRITE),
            Map.entry("POST /v1/embed", Scope.READ), Map.entry("GET /v1/models", Scope.READ),
            Map.entry("GET /v1/cluster", Scope.READ));

    /**
     * The matrix: every operation of the OpenAPI description (so every route) against no key, an
     * unknown key, a key of each scope and a key of another library; the metrics open, as by
     * default. The guard answers before any handler, so the ids name nothing and nothing is
     * written: a request it lets through meets a 400 or 404 of the handler, never a 401 or 403.
     */
    @Test
    void everyDescribedRouteAgainstEveryKindOfKey() throws Exception {
        Path file = Directories.temporary("api-keys").resolve("api-keys.json");
        Map<Scope, ApiKeys.Created> byScope = new EnumMap<>(Scope.class);
        ApiKeys keys = ApiKeys.none();
        for (Scope scope : Scope.values()) {
            byScope.put(scope, ApiKeys.none().create(scope.wireName(), scope, Set.of()));
            keys = keys.with(byScope.get(scope).key());
        }
        ApiKeys.Created ofOtherLibrary = ApiKeys.none().create("admin-of-b", Scope.ADMIN, Set.of("lib-b"));
        keys.with(ofOtherLibrary.key()).write(file);
        try (QueryService service = ServiceHarness.start(new QueryService.Security(new ApiKeyFile(file), false, null,
                Set.of()))) {
            ApiClient anonymous = new ApiClient(service.port());
            assertEquals(NEEDED.keySet(), OpenApiDocument.OPERATIONS.stream().map(op -> op.method() + " " + op.path())
                    .filter(op -> op.contains(" /v1/")).collect(Collectors.toSet()), "every /v1 route has its scope here");
            int checked = 0;
            for (OpenApiDocument.Operation op : OpenApiDocument.OPERATIONS) {
                if (op.path().startsWith("/internal/")) {
                    continue; // the cluster secret guards it (InternalResource, PeerClientTest)
                }
                String path = op.path().replace("{lib}", "lib-a").replace("{doc}", "d").replace("{chunk}", "c");
                boolean guarded = path.startsWith("/v1/");
                Scope needed = NEEDED.get(op.method() + " " + op.path());
                String what = op.method() + " " + path;
                int anonymousStatus = call(anonymous, op.method(), path).status();
                assertEquals(guarded, anonymousStatus == 401, what + " without a key: " + anonymousStatus);
                assertEquals(guarded, call(anonymous.withHeader("X-Api-Key", "vs_unknown"), op.method(), path)
                        .status() == 401, what + " with an unknown key");
                for (Scope scope : Scope.values()) {
                    int status = call(anonymous.withHeader("X-Api-Key", byScope.get(scope).secret()), op.method(),
                            path).status();
                    boolean allowed = !guarded || scope.allows(needed);
                    assertEquals(allowed, status != 401 && status != 403, what + " with scope " + scope + ": " + status);
                }
                if (path.startsWith("/v1/libraries/")) {
                    assertEquals(403, call(anonymous.withHeader("X-Api-Key", ofOtherLibrary.secret()), op.method(),
                            path).status(), what + " with a key of another library");
                }
                checked++;
            }
            assertTrue(checked >= 20, "operations checked: " + checked);
        }
    }

    private static ApiClient.Response call(final ApiClient client, final String method, final String path) {
        boolean body = Set.of("POST", "PUT", "PATCH").contains(method);
        return client.send(HttpRequest.newBuilder(client.uri(path)).method(method, body
                ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody()),
                body ? "application/json" : null);
    }

    private static void awaitStatus(final int status, final ApiClient client, final String path) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (client.get(path).status() != status && System.nanoTime() < deadline) {
            Pause.millis(200, "the service to read the keys again");
        }
        expect(status, client.get(path));
    }

    private static void expect(final int status, final ApiClient.Response response) {
        assertEquals(status, response.status(), response.body().toString());
        if (status == 403) {
            assertEquals("forbidden", response.errorCode());
            assertTrue(response.body().toString().contains("key '"), "names the key: " + response.body());
        }
    }
}
