package io.vectorstream.http;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vectorstream.service.Page;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.WriteService;

/** {@code /v1/libraries/{lib}/documents/{doc}/chunks}: put, read, list, delete chunks. */
final class ChunkResource implements HttpService {

    /** Where this resource is registered; its routes are relative to it. */
    static final String ROOT = "/v1/libraries/{lib}/documents/{doc}/chunks";

    private final ShardReader reader;
    private final WriteService writes;
    private final WriteResponder responder;

    ChunkResource(final ShardReader reader, final WriteService writes) {
        this.reader = reader;
        this.writes = writes;
        this.responder = new WriteResponder(reader);
    }

    @Override
    public void routing(final HttpRules rules) {
        rules.get("/", this::list)
                .put("/{chunk}", this::put)
                .get("/{chunk}", this::get)
                .delete("/{chunk}", this::delete);
    }

    private void list(final ServerRequest req, final ServerResponse res) {
        int limit = Requests.intParam(req, "limit", 100, 1, 1000);
        boolean withEmbeddings = Requests.included(req, "embedding");
        String after = Page.idAfter(Requests.param(req, "cursor"));
        Requests.awaitToken(req, reader);
        String lib = Requests.path(req, "lib");
        String doc = Requests.path(req, "doc");
        reader.requireLibraryRecord(lib);
        reader.requireDocument(lib, doc);
        Responses.json(res, 200, Views.page(reader.chunks(lib, doc, after, limit),
                chunk -> Views.chunk(chunk, withEmbeddings)));
    }

    private void put(final ServerRequest req, final ServerResponse res) {
        boolean wait = Requests.waitRequested(req);
        var body = Requests.jsonBody(req);
        Requests.awaitToken(req, reader);
        WriteService.Written written = writes.putChunk(Requests.principal(req), Requests.path(req, "lib"),
                Requests.path(req, "doc"), Requests.path(req, "chunk"), body);
        responder.respond(wait, res, written, () -> Views.chunk(
                reader.requireChunk(written.libraryId(), written.documentId(), written.chunkId())));
    }

    private void get(final ServerRequest req, final ServerResponse res) {
        Requests.awaitToken(req, reader);
        String lib = Requests.path(req, "lib");
        String doc = Requests.path(req, "doc");
        reader.requireLibraryRecord(lib);
        reader.requireDocument(lib, doc);
        Responses.json(res, 200, Views.chunk(reader.requireChunk(lib, doc, Requests.path(req, "chunk"))));
    }

    private void delete(final ServerRequest req, final ServerResponse res) {
        boolean wait = Requests.waitRequested(req);
        Requests.awaitToken(req, reader);
        String lib = Requests.path(req, "lib");
        String doc = Requests.path(req, "doc");
        reader.requireLibraryRecord(lib);
        reader.requireDocument(lib, doc);
        String chunk = Requests.path(req, "chunk");
        responder.respond(wait, res, writes.deleteChunk(Requests.principal(req), lib, doc, chunk), null);
    }
}
