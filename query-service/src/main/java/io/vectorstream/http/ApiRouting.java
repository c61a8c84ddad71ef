package io.vectorstream.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.webserver.http.HttpRouting;
import io.vectorstream.schema.Json;
import io.vectorstream.service.ApiException;
import io.vectorstream.service.EmbeddingService;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.WriteService;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The REST API's routes under {@code /v1}, its 503 gate and its error mapping. */
public final class ApiRouting {

    private static final Logger LOG = LoggerFactory.getLogger(ApiRouting.class);

    private ApiRouting() {
    }

    /**
     * Adds the API to a routing.
     *
     * @param running whether the stream processor runs; while it does not, every API call answers 503
     */
    public static void register(final HttpRouting.Builder routing, final ShardReader reader, final WriteService writes,
                                final EmbeddingService embeddings, final BooleanSupplier running) {
        routing.any("/v1/*", (req, res) -> {
            if (!running.getAsBoolean()) {
                throw ApiException.unavailable("the stream processor is not running yet; retry shortly");
            }
            res.next();
        });
        routing.register("/v1", new LibraryResource(reader, writes, embeddings));
        routing.register("/v1", new EmbedResource(embeddings));
        routing.register("/v1", new DocumentResource(reader, writes));
        routing.register("/v1", new ChunkResource(reader, writes));
        routing.any("/v1/*", (req, res) -> {
            throw new ApiException(404, "not_found", "no such endpoint: " + req.prologue().method().text() + " "
                    + req.path().path(), null);
        });
        routing.error(ApiException.class, (req, res, e) -> Responses.error(res, e));
        routing.error(RequestException.class, (req, res, e) -> Responses.error(res,
                new ApiException(e.status().code(), codeOf(e.status().code()), e.getMessage(), null)));
        routing.error(HttpException.class, (req, res, e) -> {
            if (e.status().code() >= 500) {
                LOG.error("error on {} {}", req.prologue().method().text(), req.path().path(), e);
            }
            Responses.error(res, new ApiException(e.status().code(), codeOf(e.status().code()), e.getMessage(), null));
        });
        routing.error(Exception.class, (req, res, e) -> {
            LOG.error("unexpected error on {} {}", req.prologue().method().text(), req.path().path(), e);
            Responses.error(res, new ApiException(500, "internal", "internal error: " + e, null));
        });
    }

    /** The error code of a status the web server (not our code) chose. */
    private static String codeOf(final int status) {
        return switch (status) {
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            default -> status >= 500 ? "internal" : "invalid_request";
        };
    }

    /**
     * The error body for what the server refuses before routing (a body past its hard limit, a
     * request line or header it cannot decode): JSON like every other error, not an empty body.
     */
    public static DirectHandler directErrors() {
        return (request, eventType, status, headers, message) -> {
            String code = codeOf(status.code());
            String text = message == null || message.isBlank() ? status.reasonPhrase() : message;
            try {
                return DirectHandler.TransportResponse.builder()
                        .status(status)
                        .headers(headers)
                        .header(HeaderNames.CONTENT_TYPE, "application/json")
                        .entity(Json.MAPPER.writeValueAsBytes(Responses.errorBody(new ApiException(status.code(), code, text, null))))
                        .build();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot serialise an error", e);
            }
        };
    }
}
