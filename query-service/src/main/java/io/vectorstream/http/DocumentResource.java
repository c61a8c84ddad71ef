package io.vectorstream.http;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vectorstream.service.Page;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.WriteService;

/** {@code /v1/libraries/{lib}/documents}: put (optionally with chunks), read, list, delete documents. */
final class DocumentResource implements HttpService {

    /** Where this resource is registered; its routes are relative to it. */
    static final String ROOT = "/v1/libraries/{lib}/documents";

    private final ShardReader reader;
    private final WriteService writes;
    private final WriteResponder responder;

    DocumentResource(final ShardReader reader, final WriteService writes) {
        this.reader = reader;
        this.writes = writes;
        this.responder = new WriteResponder(reader);
    }

    @Override
    public void routing(final HttpRules rules) {
        rules.get("/", this::list)
                .put("/{doc}", this::put)
                .get("/{doc}", this::get)
                .delete("/{doc}", this::delete);
    }

    private void list(final ServerRequest req, final ServerResponse res) {
        int limit = Requests.intParam(req, "limit", 100, 1, 1000);
        String after = Page.idAfter(Requests.param(req, "cursor"));
        Requests.awaitToken(req, reader);
        String lib = Requests.path(req, "lib");
        reader.requireLibraryRecord(lib);
        Responses.json(res, 200, Views.page(reader.documents(lib, after, limit), Views::document));
    }

    private void put(final ServerRequest req, final ServerResponse res) {
        boolean wait = Requests.waitRequested(req);
        var body = Requests.jsonBody(req);
        Requests.awaitToken(req, reader);
        WriteService.Written written = writes.putDocument(Requests.principal(req), Requests.path(req, "lib"),
                Requests.path(req, "doc"), body);
        responder.respond(wait, res, written,
                () -> Views.document(reader.requireDocument(written.libraryId(), written.documentId())));
    }

    private void get(final ServerRequest req, final ServerResponse res) {
        Requests.awaitToken(req, reader);
        String lib = Requests.path(req, "lib");
        reader.requireLibraryRecord(lib);
        Responses.json(res, 200, Views.document(reader.requireDocument(lib, Requests.path(req, "doc"))));
    }

    private void delete(final ServerRequest req, final ServerResponse res) {
        boolean wait = Requests.waitRequested(req);
        Requests.awaitToken(req, reader);
        String lib = Requests.path(req, "lib");
        reader.requireLibraryRecord(lib);
        String doc = Requests.path(req, "doc");
        responder.respond(wait, res, writes.deleteDocument(Requests.principal(req), lib, doc), null);
    }
}
