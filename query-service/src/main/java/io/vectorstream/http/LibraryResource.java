package io.vectorstream.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.SchemaValidator.Schema;
import io.vectorstream.service.EmbeddingService;
import io.vectorstream.service.Page;
import io.vectorstream.service.Refusal;
import io.vectorstream.service.SearchAdmission;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.Validation;
import io.vectorstream.service.WriteService;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** {@code /v1/libraries}: create, list, read, update, delete libraries, and search one. */
final class LibraryResource implements HttpService {

    /** Where this resource is registered; its routes are relative to it. */
    static final String ROOT = "/v1/libraries";

    private final ShardReader reader;
    private final WriteService writes;
    private final WriteResponder responder;
    private final Searches searches;

    LibraryResource(final ShardReader reader, final WriteService writes, final EmbeddingService embeddings,
                    final SearchAdmission admission) {
        this.reader = reader;
        this.writes = writes;
        this.searches = new Searches(reader, embeddings, admission);
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
                .post("/{lib}/search/batch", this::searchBatch)
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
        Responses.json(res, 200, searches.runSingle(library, searches.prepare(library, body), start));
    }

    /**
     * Up to 100 searches of one library, answered in order. Every search is checked (and its
     * query embedded) before any runs: one that is wrong is the answer, naming its index
     * ({@code searches[3].filter.year.$gte}).
     */
    private void searchBatch(final ServerRequest req, final ServerResponse res) {
        JsonNode body = Requests.jsonBody(req);
        Validation.requireValid(Schema.SEARCH_BATCH_REQUEST, body);
        Requests.awaitToken(req, reader);
        LibraryRecord library = reader.requireLibraryRecord(Requests.path(req, "lib"));
        JsonNode asked = body.get("searches");
        List<Searches.Prepared> prepared = new ArrayList<>(asked.size());
        for (int i = 0; i < asked.size(); i++) {
            int at = i;
            prepared.add(naming(at, () -> searches.prepare(library, asked.get(at))));
        }
        ObjectNode answer = Json.MAPPER.createObjectNode();
        ArrayNode responses = answer.putArray("responses");
        for (int i = 0; i < prepared.size(); i++) {
            Searches.Prepared search = prepared.get(i);
            long start = System.nanoTime();
            responses.add(naming(i, () -> searches.runInBatch(library, search, start)));
        }
        Responses.json(res, 200, answer);
    }

    /** What {@code work} returns; its error naming the search of the batch it is about. */
    private static <T> T naming(final int search, final Supplier<T> work) {
        try {
            return work.get();
        } catch (Refusal refusal) {
            throw ApiException.of(refusal).within("searches[" + search + "]");
        } catch (ApiException e) {
            throw e.within("searches[" + search + "]");
        }
    }

    private void count(final ServerRequest req, final ServerResponse res) {
        JsonNode body = Requests.jsonBody(req);
        Validation.requireValid(Schema.COUNT_REQUEST, body);
        Requests.awaitToken(req, reader);
        LibraryRecord library = reader.requireLibraryRecord(Requests.path(req, "lib"));
        long count = reader.count(library.id(), Requests.filter(body.get("filter"), library.metadataSchema()));
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
