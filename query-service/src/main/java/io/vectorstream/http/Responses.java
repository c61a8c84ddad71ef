package io.vectorstream.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import io.vectorstream.schema.Json;

/** Writing JSON responses and JSON errors ({@code {"error": {"code", "message", "field"}}}). */
final class Responses {

    private Responses() {
    }

    static void json(final ServerResponse res, final int status, final JsonNode body) {
        try {
            res.status(Status.create(status));
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(Json.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise response", e);
        }
    }

    static void error(final ServerResponse res, final ApiException e) {
        if (e.status() == 503 || e.status() == 429) {
            res.header(HeaderNames.RETRY_AFTER, "1");
        }
        json(res, e.status(), errorBody(e));
    }

    /** {@code {"error": {"code", "message", "field"}}}. */
    static ObjectNode errorBody(final ApiException e) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", e.code());
        error.put("message", e.getMessage());
        if (e.field() == null) {
            error.putNull("field");
        } else {
            error.put("field", e.field());
        }
        return body;
    }
}
