package io.vectorstream.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.SchemaValidator.Schema;
import io.vectorstream.service.EmbeddingService;
import io.vectorstream.service.Page;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.Validation;
import io.vectorstream.service.WriteService;
import io.vectorstream.index.SearchParams;

/** {@code /v1/libraries}: create, list, read, update, delete libraries, and search one. */
final class LibraryResource implements HttpService {

    /** Where this resource is registered; its routes are relative to it. */
    static final String ROOT = "/v1/libraries";

    private final ShardReader reader;
    private final WriteService writes;
    private final WriteResponder responder;
    private final EmbeddingService embeddings;

    LibraryResource(final ShardReader reader, final WriteService writes, final EmbeddingService embeddings) {
        this.reader = reader;
        this.writes = writes;
        this.embeddings = embeddings;
        this.responder = new WriteResponder(reader);
    }

    @Override
    public void routing(final HttpRules rules) {
        rules.post("/", this::create)
                .get("/", this::list)
                .get("/{lib}", this::get)
                .patch("/{lib}", this::update)
                .delete("/{lib}", this::delete)
                .post("/{lib}/search", this::search)
                .post("/{lib}/count", this::count)
                .post("/{lib}/index", this::buildIndex)
                .get("/{lib}/index", this::indexReport);
    }

    private void create(final ServerRequest req, final ServerResponse res) {
        boolean wait = Requests.waitRequested(req);
        WriteService.Written written = writes.createLibrary(Requests.principal(req), Requests.jsonBody(req));
        responder.respond(wait, res, written, () -> Views.library(reader.requireLibrary(written.libraryId())));
    }

    private void list(final ServerRequest req, final ServerResponse res) {
        int limit = Requests.intParam(req, "limit", 100, 1, 1000);
        String after = Page.idAfter(Requests.param(req, "cursor"));
        Requests.awaitToken(req, reader);
        Responses.json(res, 200, Views.page(reader.libraries(after, limit), Views::library));
    }

    private void get(final ServerRequest req, final ServerResponse res) {
        Requests.awaitToken(req, reader);
        Responses.json(res, 200, Views.library(reader.requireLibrary(Requests.path(req, "lib"))));
    }

    private void update(final ServerRequest req, final ServerResponse res) {
        boolean wait = Requests.waitRequested(req);
        JsonNode patch = Requests.jsonBody(req);
        Requests.awaitToken(req, reader);
        WriteService.Written written = writes.patchLibrary(Requests.principal(req), Requests.path(req, "lib"), patch);
        responder.respond(wait, res, written, () -> Views.library(reader.requireLibrary(written.libraryId())));
    }

    private void delete(final ServerRequest req, final ServerResponse res) {
        boolean wait = Requests.waitRequested(req);
        Requests.awaitToken(req, reader);
        responder.respond(wait, res, writes.deleteLibrary(Requests.principal(req), Requests.path(req, "lib")), null);
    }

    private void search(final ServerRequest req, final ServerResponse res) {
        JsonNode body = Requests.jsonBody(req);
        Validation.requireValid(Schema.SEARCH_REQUEST, body);
        Requests.awaitToken(req, reader);
        long start = System.nanoTime();
        LibraryRecord library = reader.requireLibraryRecord(Requests.path(req, "lib"));
        JsonNode like = body.get("like");
        ChunkRecord example = like == null ? null : reader.chunk(library.id(), like.get("documentId").asText(),
                like.get("chunkId").asText()).orElseThrow(() -> new ApiException(404, "not_found", "no chunk '"
                + like.get("chunkId").asText() + "' in document '" + like.get("documentId").asText() + "'", "like"));
        float[] vector = example != null ? example.vector()
                : body.hasNonNull("text") ? embeddings.embedQuery(library, body.get("text").asText(), "text")
                : Validation.requireVector(library, body.get("vector"), "vector");
        int k = body.hasNonNull("k") ? body.get("k").asInt() : 10;
        SearchParams params = new SearchParams(body.path("nprobe").asInt(0), body.path("probes").asInt(0),
                body.path("exact").asBoolean(false));
        long maxLag = body.hasNonNull("maxLagOffsets") ? body.get("maxLagOffsets").asLong() : reader.searchMaxLag();
        String filter = Requests.filter(body.get("filter"));
        // Search by example: one more, since the example itself is likely among the nearest.
        ShardReader.SearchResult result = reader.search(library.id(), library.metric(), vector,
                example == null ? k : k + 1, params, filter, body.path("allowPartial").asBoolean(true), maxLag);
        if (example != null) {
            result = result.without(example.documentId(), example.id(), k);
        }
        Responses.json(res, 200, Views.search(result, (System.nanoTime() - start) / 1e6));
    }

    private void count(final ServerRequest req, final ServerResponse res) {
        JsonNode body = Requests.jsonBody(req);
        Validation.requireValid(Schema.COUNT_REQUEST, body);
        Requests.awaitToken(req, reader);
        String lib = Requests.path(req, "lib");
        long count = reader.count(lib, Requests.filter(body.get("filter")));
        Responses.json(res, 200, Json.MAPPER.createObjectNode().put("count", count));
    }

    private void buildIndex(final ServerRequest req, final ServerResponse res) {
        boolean wait = Requests.waitRequested(req);
        Requests.awaitToken(req, reader);
        String lib = Requests.path(req, "lib");
        WriteService.Written written = writes.requestIndexBuild(Requests.principal(req), lib);
        responder.respond(wait, res, written, () -> Views.indexReport(reader.requireLibrary(lib), reader.indexReport(lib)));
    }

    private void indexReport(final ServerRequest req, final ServerResponse res) {
        Requests.awaitToken(req, reader);
        String lib = Requests.path(req, "lib");
        Responses.json(res, 200, Views.indexReport(reader.requireLibrary(lib), reader.indexReport(lib)));
    }
}
