package io.vectorstream.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vectorstream.cluster.PeerClient;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.SchemaValidator.Schema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 description of every endpoint ({@code GET /openapi}). Request and response
 * bodies are the JSON Schemas of the {@code schemas} module, the very ones the service validates
 * with, as components (OpenAPI 3.1 is JSON Schema 2020-12): their references between files become
 * references inside the document. What the table below describes is checked against the routes
 * the service registers (OpenApiRouteCoverageTest).
 */
public final class OpenApiDocument {

    static final String PATH = "/openapi";

    /**
     * One operation.
     *
     * @param request  the request body's schema (a {@link Schema}), or null
     * @param response the success body's schema, or null; a listing's is a page of it
     * @param listing  whether it is a page of {@code response} items ({@code limit}, {@code cursor})
     * @param query    other query parameters, by name: their description
     */
    record Operation(String method, String path, String summary, Schema request, int status, Schema response,
                     boolean listing, Map<String, String> query) {
    }

    private static final String WAIT = "wait";
    private static final Map<String, String> WRITE = Map.of(WAIT,
            "true: answer once the write is applied (201/200 with the record), else 202 with a consistency token");
    private static final Map<String, String> READ = Map.of(Requests.TOKEN_PARAM,
            "read-your-writes: a token a write answered with (or the X-Consistency-Token header)");

    /** Every endpoint of the service. */
    static final List<Operation> OPERATIONS = List.of(
            new Operation("POST", "/v1/libraries", "Create a library", Schema.LIBRARY, 202,
                    Schema.LIBRARY_RESPONSE, false, WRITE),
            new Operation("GET", "/v1/libraries", "List libraries", null, 200, Schema.LIBRARY_RESPONSE, true, READ),
            new Operation("GET", "/v1/libraries/{lib}", "A library, with its document and chunk counts", null, 200,
                    Schema.LIBRARY_RESPONSE, false, READ),
            new Operation("PATCH", "/v1/libraries/{lib}", "Change a library's name, metadata or index",
                    Schema.LIBRARY_PATCH, 202, Schema.LIBRARY_RESPONSE, false, WRITE),
            new Operation("DELETE", "/v1/libraries/{lib}", "Delete a library with its documents and chunks", null,
                    202, null, false, WRITE),
            new Operation("POST", "/v1/libraries/{lib}/search", "k nearest chunks to a vector or a text",
                    Schema.SEARCH_REQUEST, 200, Schema.SEARCH_RESPONSE, false, READ),
            new Operation("POST", "/v1/libraries/{lib}/search/batch", "Up to 100 searches of a library in one call,"
                    + " answered in order", Schema.SEARCH_BATCH_REQUEST, 200, Schema.SEARCH_BATCH_RESPONSE, false, READ),
            new Operation("POST", "/v1/libraries/{lib}/count", "The exact number of chunks that match a filter",
                    Schema.COUNT_REQUEST, 200, Schema.COUNT_RESPONSE, false, READ),
            new Operation("POST", "/v1/libraries/{lib}/index", "Rebuild (and for IVF retrain) the library's index",
                    null, 202, null, false, WRITE),
            new Operation("GET", "/v1/libraries/{lib}/index", "The state of the library's index in each shard", null,
                    200, null, false, READ),
            new Operation("PUT", "/v1/libraries/{lib}/documents/{doc}", "Create or replace a document (and its chunks)",
                    Schema.DOCUMENT, 202, Schema.DOCUMENT_RESPONSE, false, WRITE),
            new Operation("GET", "/v1/libraries/{lib}/documents", "List a library's documents", null, 200,
                    Schema.DOCUMENT_RESPONSE, true, READ),
            new Operation("GET", "/v1/libraries/{lib}/documents/{doc}", "A document, with its chunk count", null, 200,
                    Schema.DOCUMENT_RESPONSE, false, READ),
            new Operation("DELETE", "/v1/libraries/{lib}/documents/{doc}", "Delete a document and its chunks", null,
                    202, null, false, WRITE),
            new Operation("PUT", "/v1/libraries/{lib}/documents/{doc}/chunks/{chunk}", "Create or replace a chunk",
                    Schema.CHUNK, 202, Schema.CHUNK_RESPONSE, false, WRITE),
            new Operation("GET", "/v1/libraries/{lib}/documents/{doc}/chunks", "List a document's chunks", null, 200,
                    Schema.CHUNK_RESPONSE, true, Map.of(Requests.TOKEN_PARAM, READ.get(Requests.TOKEN_PARAM),
                    "include", "embedding: the chunks with their embeddings")),
            new Operation("GET", "/v1/libraries/{lib}/documents/{doc}/chunks/{chunk}", "A chunk", null, 200,
                    Schema.CHUNK_RESPONSE, false, READ),
            new Operation("DELETE", "/v1/libraries/{lib}/documents/{doc}/chunks/{chunk}", "Delete a chunk", null, 202,
                    null, false, WRITE),
            new Operation("POST", "/v1/embed", "Embed texts with a model", Schema.EMBED_REQUEST, 200,
                    Schema.EMBED_RESPONSE, false, Map.of()),
            new Operation("GET", "/v1/models", "The models built here, and their caches", null, 200, null, false,
                    Map.of()),
            new Operation("GET", "/v1/cluster", "The instances and their shards, as this instance sees them", null,
                    200, null, false, Map.of()),
            new Operation("POST", "/internal/v1/shards", "Between instances only (the cluster secret): a shard query",
                    null, 200, null, false, Map.of()),
            new Operation("GET", "/observe/health/live", "Liveness, with the pipeline's counts", null, 200, null,
                    false, Map.of()),
            new Operation("GET", "/observe/health/ready", "Readiness: the stream processor runs with every store"
                    + " restored", null, 200, null, false, Map.of()),
            new Operation("GET", MetricsResource.PATH, "Metrics in Prometheus' text format", null, 200, null, false,
                    Map.of()),
            new Operation("GET", PATH, "This description", null, 200, null, false, Map.of()));

    private static final Pattern PATH_PARAMETER = Pattern.compile("\\{(\\w+)}");
    private static final Map<String, String> PATH_PARAMETERS = Map.of("lib", "the library's id",
            "doc", "the document's id", "chunk", "the chunk's id");

    private OpenApiDocument() {
    }

    /** The document, as JSON. */
    static ObjectNode build() {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("openapi", "3.1.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "vectorstream");
        info.put("version", "v1");
        info.put("description", "A stream-native vector database: libraries of documents of chunks, written as"
                + " events to Kafka and searched by k nearest neighbours. Writes answer 202 with a consistency token"
                + " (X-Consistency-Token) unless ?wait=true. With API keys, send X-Api-Key or Authorization: Bearer.");
        doc.putArray("servers").addObject().put("url", "/").put("description", "this instance");
        ObjectNode security = doc.putObject("components").putObject("securitySchemes");
        security.putObject("apiKey").put("type", "apiKey").put("in", "header").put("name", ApiKeyGuard.HEADER);
        security.putObject("bearer").put("type", "http").put("scheme", "bearer");
        security.putObject("clusterSecret").put("type", "apiKey").put("in", "header")
                .put("name", PeerClient.SECRET_HEADER);
        ObjectNode schemas = ((ObjectNode) doc.get("components")).putObject("schemas");
        for (Schema schema : Schema.values()) {
            // The event envelope is what Kafka producers write, not an HTTP body (README, "Events").
            if (!schema.resource().contains("#") && schema != Schema.EVENT) {
                schemas.set(componentOf(schema.resource()), localised(read(schema.resource()), schema.resource()));
            }
        }
        schemas.set("common", localised(read("schemas/common.json"), "common.json"));
        ObjectNode paths = doc.putObject("paths");
        for (Operation op : OPERATIONS) {
            ObjectNode path = paths.has(op.path()) ? (ObjectNode) paths.get(op.path()) : paths.putObject(op.path());
            path.set(op.method().toLowerCase(Locale.ROOT), operation(op));
        }
        return doc;
    }

    private static ObjectNode operation(final Operation op) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("summary", op.summary());
        node.put("operationId", op.method().toLowerCase(Locale.ROOT)
                + op.path().replaceAll("[{}]", "").replace('/', '_').replace('-', '_'));
        ArrayNode parameters = node.putArray("parameters");
        Matcher matcher = PATH_PARAMETER.matcher(op.path());
        while (matcher.find()) {
            ObjectNode parameter = parameters.addObject().put("name", matcher.group(1)).put("in", "path")
                    .put("required", true).put("description", PATH_PARAMETERS.get(matcher.group(1)));
            parameter.putObject("schema").put("$ref", "#/components/schemas/common/$defs/id");
        }
        op.query().forEach((name, description) -> parameters.addObject().put("name", name).put("in", "query")
                .put("description", description).putObject("schema").put("type", "string"));
        if (op.listing()) {
            parameters.addObject().put("name", "limit").put("in", "query").put("description", "items per page, 1..1000")
                    .putObject("schema").put("type", "integer").put("minimum", 1).put("maximum", 1000)
                    .put("default", 100);
            parameters.addObject().put("name", "cursor").put("in", "query")
                    .put("description", "the nextCursor of the page before").putObject("schema").put("type", "string");
        }
        if (op.request() != null) {
            ObjectNode body = node.putObject("requestBody").put("required", true);
            body.putObject("content").putObject("application/json").putObject("schema")
                    .put("$ref", "#/components/schemas/" + componentOf(op.request().resource()));
        }
        ObjectNode responses = node.putObject("responses");
        ObjectNode success = responses.putObject(Integer.toString(op.status())).put("description", "success");
        if (op.path().equals(MetricsResource.PATH)) {
            success.putObject("content").putObject("text/plain").putObject("schema").put("type", "string");
        } else if (op.response() != null) {
            ObjectNode item = Json.MAPPER.createObjectNode()
                    .put("$ref", "#/components/schemas/" + componentOf(op.response().resource()));
            ObjectNode schema = success.putObject("content").putObject("application/json").putObject("schema");
            if (op.listing()) {
                ArrayNode all = schema.putArray("allOf");
                all.addObject().put("$ref", "#/components/schemas/page");
                all.addObject().putObject("properties").putObject("items").put("type", "array").set("items", item);
            } else {
                schema.setAll(item);
            }
        } else {
            success.putObject("content").putObject("application/json").putObject("schema").put("type", "object");
        }
        if (op.query().containsKey(WAIT)) {
            success.put("description", "accepted: the event is in the log (consistencyToken); applied soon");
            if (op.path().equals(LibraryResource.ROOT) || op.method().equals("PUT")) {
                responses.putObject("201").put("description", "with ?wait=true: created and applied");
            }
            if (!op.path().equals(LibraryResource.ROOT)) {
                responses.putObject("200").put("description", "with ?wait=true: applied");
            }
        }
        if (op.path().startsWith("/v1/")) {
            responses.putObject("default").put("description", "an error (4xx names the field)")
                    .putObject("content").putObject("application/json").putObject("schema")
                    .put("$ref", "#/components/schemas/error");
        }
        ArrayNode securityNeeded = node.putArray("security");
        if (op.path().startsWith("/internal/")) {
            securityNeeded.addObject().putArray("clusterSecret");
        } else if (op.path().startsWith("/v1/") || op.path().equals(MetricsResource.PATH)) {
            // A key while the deployment has keys (the metrics when security.metrics-need-key says so).
            securityNeeded.addObject().putArray("apiKey");
            securityNeeded.addObject().putArray("bearer");
            securityNeeded.addObject();
        } else {
            securityNeeded.addObject(); // open
        }
        return node;
    }

    /** {@code schemas/library-response.json}: {@code library-response}. */
    private static String componentOf(final String resource) {
        String file = resource.substring(resource.lastIndexOf('/') + 1);
        return file.substring(0, file.length() - ".json".length());
    }

    private static JsonNode read(final String resource) {
        try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no schema " + resource + " on the class path");
            }
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A schema file as a component: without {@code $schema} and {@code $id}, its references to
     * other files ({@code common.json#/$defs/id}, {@code page.json}) and within itself
     * ({@code #/$defs/hit}) pointing into the document.
     */
    private static JsonNode localised(final JsonNode schema, final String file) {
        JsonNode copy = schema.deepCopy();
        if (copy instanceof ObjectNode object) {
            object.remove("$schema");
            object.remove("$id");
        }
        rewriteReferences(copy, file);
        return copy;
    }

    private static void rewriteReferences(final JsonNode node, final String self) {
        if (node instanceof ObjectNode object) {
            JsonNode ref = object.get("$ref");
            if (ref != null && ref.isTextual()) {
                String target = ref.asText();
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String pointer = hash < 0 ? "" : target.substring(hash + 1);
                object.set("$ref", TextNode.valueOf("#/components/schemas/" + componentOf(file.isEmpty() ? self : file)
                        + pointer));
            }
            for (Iterator<JsonNode> children = object.elements(); children.hasNext();) {
                rewriteReferences(children.next(), self);
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(child -> rewriteReferences(child, self));
        }
    }
}
