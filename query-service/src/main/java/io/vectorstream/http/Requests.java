package io.vectorstream.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.webserver.http.ServerRequest;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.SchemaValidator;
import io.vectorstream.schema.filter.FilterException;
import io.vectorstream.schema.filter.FilterParser;
import io.vectorstream.schema.filter.MetadataSchema;
import io.vectorstream.service.ShardReader;
import io.vectorstream.stream.ConsistencyToken;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** Reading what a request carries: a JSON body (typed, bounded, parsed), query parameters, a token. */
final class Requests {

    /** The header carrying a consistency token, on requests and on write responses. */
    static final String TOKEN_HEADER = "X-Consistency-Token";
    /** The query parameter that may carry the token instead. */
    static final String TOKEN_PARAM = "consistencyToken";
    /** The largest request body accepted. */
    static final long MAX_BODY_BYTES = 16L * 1024 * 1024;

    private Requests() {
    }

    /**
     * The body as a JSON object.
     *
     * @throws ApiException 415 unless JSON, 413 when larger than {@link #MAX_BODY_BYTES}, 400 unless a JSON object
     */
    static JsonNode jsonBody(final ServerRequest req) {
        boolean json;
        try {
            json = req.headers().contentType()
                    .map(type -> "application".equals(type.mediaType().type())
                            && ("json".equals(type.mediaType().subtype()) || type.mediaType().subtype().endsWith("+json")))
                    .orElse(false);
        } catch (RuntimeException e) { // Helidon's BadRequestException: not a media type at all
            json = false;
        }
        if (!json) {
            throw new ApiException(415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)",
                    null);
        }
        if (req.headers().contentLength().orElse(0) > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        byte[] bytes;
        try {
            // Not closed: closing reads on to the body's end, which a malformed body never reaches.
            InputStream in = req.content().inputStream();
            bytes = in.readNBytes((int) MAX_BODY_BYTES + 1);
        } catch (IOException | RuntimeException e) {
            // Malformed chunked framing (Helidon 4.3 throws NumberFormatException for a chunk size
            // that is not hex), a chunked body past the server's limit, a connection cut short:
            // what is left of the connection cannot be read as requests, so it is closed.
            boolean tooLarge = e instanceof RequestException refused && refused.status().code() == 413;
            throw (tooLarge ? tooLarge() : ApiException.badRequest("the body cannot be read: its framing "
                    + "(Content-Length or chunked transfer coding) is malformed or cut short", null))
                    .closingConnection();
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw tooLarge().closingConnection();
        }
        JsonNode node;
        try {
            node = Json.ONE_VALUE.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "malformed_json", "the body is not valid JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read", null);
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object", null);
        }
        return node;
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "payload_too_large", "the body is larger than " + MAX_BODY_BYTES + " bytes", null);
    }

    /**
     * A search's {@code filter}, checked, as compact JSON for the shards; null without one.
     *
     * @param schema the library's metadata schema, whose declared fields the filter must compare
     *               with values of their types
     * @throws ApiException 400 naming the path of what is wrong ({@code filter.$or[1].year.$gte})
     */
    static String filter(final JsonNode filter, final MetadataSchema schema) {
        if (filter == null || filter.isNull()) {
            return null;
        }
        try {
            FilterParser.parse(filter, "filter", schema);
        } catch (FilterException e) {
            throw ApiException.badRequest("filter: " + e.getMessage(), e.path());
        }
        return filter.toString();
    }

    /** The name of the API key that made the request, or {@code null} when the API is open. */
    static String principal(final ServerRequest req) {
        return ApiKeyGuard.principalOf(req);
    }

    /**
     * An id from the path ({@code lib}, {@code doc} or {@code chunk}).
     *
     * @throws ApiException 400 when it is not a valid id, naming {@code libraryId}, {@code documentId} or {@code chunkId}
     */
    static String path(final ServerRequest req, final String name) {
        String id = req.path().pathParameters().get(name);
        if (!SchemaValidator.get().validate(SchemaValidator.Schema.ID, TextNode.valueOf(id)).isEmpty()) {
            String field = switch (name) {
                case "lib" -> "libraryId";
                case "doc" -> "documentId";
                default -> "chunkId";
            };
            throw ApiException.badRequest(field + " '" + id + "' is not a valid id: 1 to 128 letters, digits or "
                    + ". _ ~ : -, starting with a letter or digit", field);
        }
        return id;
    }

    /**
     * An integer query parameter within bounds.
     *
     * @throws ApiException 400 naming the parameter
     */
    static int intParam(final ServerRequest req, final String name, final int fallback, final int min, final int max) {
        Optional<String> raw = req.query().first(name).asOptional();
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value < min || value > max) {
                throw ApiException.badRequest(name + " must be between " + min + " and " + max, name);
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be an integer", name);
        }
    }

    /** A string query parameter, or {@code null}. */
    static String param(final ServerRequest req, final String name) {
        return req.query().first(name).asOptional().orElse(null);
    }

    /**
     * Whether {@code ?include=} names {@code part} (a comma-separated list; {@code embedding} is
     * the only part there is).
     *
     * @throws ApiException 400 naming {@code include} for a part that does not exist
     */
    static boolean included(final ServerRequest req, final String part) {
        String include = param(req, "include");
        if (include == null || include.isEmpty()) {
            return false;
        }
        boolean found = false;
        for (String named : include.split(",")) {
            if (!named.strip().equals(part)) {
                throw ApiException.badRequest("include takes 'embedding', not '" + named.strip() + "'", "include");
            }
            found = true;
        }
        return found;
    }

    /** Whether {@code ?wait=true} was given. */
    static boolean waitRequested(final ServerRequest req) {
        String wait = param(req, "wait");
        if (wait == null || "false".equals(wait)) {
            return false;
        }
        if ("true".equals(wait) || wait.isEmpty()) {
            return true;
        }
        throw ApiException.badRequest("wait must be true or false", "wait");
    }

    /**
     * Waits, when the request carries a consistency token (header, or {@code ?consistencyToken=}),
     * until the shards have applied it.
     *
     * @throws ApiException 400 naming where the token came from if it is not a token this service
     *                      could have given, 503 if it is not applied within {@link ShardReader#TOKEN_WAIT}
     */
    static void awaitToken(final ServerRequest req, final ShardReader reader) {
        Optional<String> header = req.headers().first(HeaderNames.create(TOKEN_HEADER));
        String raw = header.orElse(param(req, TOKEN_PARAM));
        if (raw == null || raw.isBlank()) {
            return;
        }
        String field = header.isPresent() ? TOKEN_HEADER : TOKEN_PARAM;
        ConsistencyToken token;
        try {
            token = ConsistencyToken.parse(raw);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage(), field);
        }
        reader.awaitApplied(token, ShardReader.TOKEN_WAIT, field);
    }
}
