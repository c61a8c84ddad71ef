package io.vectorstream.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import io.vectorstream.cluster.ClusterSecret;
import io.vectorstream.cluster.ClusterShards;
import io.vectorstream.schema.Json;
import io.vectorstream.security.ApiKeyFile;
import io.vectorstream.service.EmbeddingService;
import io.vectorstream.service.Refusal;
import io.vectorstream.service.SearchAdmission;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.WriteService;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The REST API's routes under {@code /v1}, its 503 gate and its error mapping. */
public final class ApiRouting {

    private static final Logger LOG = LoggerFactory.getLogger(ApiRouting.class);
    /** The largest request body: a declared one past it is refused before it is read. */
    public static final long MAX_BODY_BYTES = Requests.MAX_BODY_BYTES;

    private ApiRouting() {
    }

    /**
     * The instance in its cluster.
     *
     * @param state this instance's Kafka Streams state, for {@code GET /v1/cluster}
     */
    public record Cluster(ClusterShards shards, ClusterSecret secret, Supplier<String> state) {
    }

    /**
     * Adds {@code GET /observe/metrics}.
     *
     * @param needsKey whether it needs an API key of scope {@code metrics} or {@code admin} (when
     *                 the deployment has keys); otherwise it is open, like the health checks
     */
    public static void registerMetrics(final HttpRouting.Builder routing, final Supplier<String> scrape,
                                       final ApiKeyFile apiKeys, final boolean needsKey) {
        if (needsKey) {
            routing.get(MetricsResource.PATH, new ApiKeyGuard(apiKeys));
        }
        routing.get(MetricsResource.PATH, new MetricsResource(scrape));
    }

    /**
     * A resource at its root.
     *
     * @param gated whether it answers only while the stream processor runs (503 before)
     */
    record Mounted(String root, HttpService service, boolean gated) {
    }

    /**
     * Every resource of the API, each at its own root with its routes relative to it; the most
     * specific roots first, since a root that matches a request's prefix but none of its routes
     * passes it on. (OpenApiRouteCoverageTest reads the routes from here.)
     */
    static List<Mounted> resources(final ShardReader reader, final WriteService writes,
                                   final EmbeddingService embeddings, final Cluster cluster,
                                   final SearchAdmission admission) {
        return List.of(
                new Mounted(ClusterResource.ROOT, new ClusterResource(cluster.shards(), cluster.state()), false),
                new Mounted(InternalResource.ROOT, new InternalResource(cluster.shards(), cluster.secret()), false),
                new Mounted(ChunkResource.ROOT, new ChunkResource(reader, writes), true),
                new Mounted(DocumentResource.ROOT, new DocumentResource(reader, writes), true),
                new Mounted(LibraryResource.ROOT, new LibraryResource(reader, writes, embeddings, admission), true),
                new Mounted("/v1", new EmbedResource(embeddings), true));
    }

    /** The header of an API key ({@code Authorization: Bearer} works too). */
    public static final String API_KEY_HEADER = ApiKeyGuard.HEADER;

    /**
     * Adds the API to a routing.
     *
     * @param running whether the stream processor runs; while it does not, every API call answers 503
     */
    public static void register(final HttpRouting.Builder routing, final ShardReader reader, final WriteService writes,
                                final EmbeddingService embeddings, final BooleanSupplier running,
                                final Cluster cluster, final ApiKeyFile apiKeys, final SearchAdmission admission) {
        // First of all: a request without the key it needs learns nothing, not even that the service starts.
        routing.any("/v1/*", new ApiKeyGuard(apiKeys));
        List<Mounted> resources = resources(reader, writes, embeddings, cluster, admission);
        // Before the gate below: what an instance sees of its cluster helps most while it starts.
        resources.stream().filter(r -> !r.gated()).forEach(r -> routing.register(r.root(), r.service()));
        routing.any("/v1/*", (req, res) -> {
            if (!running.getAsBoolean()) {
                throw ApiException.unavailable("the stream processor is not running yet; retry shortly");
            }
            res.next();
        });
        resources.stream().filter(Mounted::gated).forEach(r -> routing.register(r.root(), r.service()));
        String openApi = OpenApiDocument.build().toPrettyString();
        routing.get(OpenApiDocument.PATH, (req, res) -> res.header(HeaderValues.CONTENT_TYPE_JSON).send(openApi));
        routing.any("/v1/*", (req, res) -> {
            throw new ApiException(404, "not_found", "no such endpoint: " + req.prologue().method().text() + " "
                    + req.path().path(), null);
        });
        routing.error(ApiException.class, (req, res, e) -> {
            if (e.closesConnection()) {
                res.header(HeaderValues.CONNECTION_CLOSE);
                Responses.error(res, e);
                throw new CloseConnectionException("closed after an unreadable request body");
            }
            Responses.error(res, e);
        });
        routing.error(Refusal.class, (req, res, e) -> Responses.error(res, ApiException.of(e)));
        routing.error(RequestException.class, (req, res, e) -> Responses.error(res,
                new ApiException(e.status().code(), codeOf(e.status().code()), e.getMessage(), null)));
        routing.error(HttpException.class, (req, res, e) -> {
            if (e.status().code() < 400) {
                // Not an error: Helidon's static content (the search page) answers 304 Not Modified
                // by throwing, with its ETag in the exception's headers, and a 304 has no body.
                res.status(e.status());
                e.headers().forEach(res::header);
                res.send();
                return;
            }
            boolean serverError = e.status().code() >= 500;
            if (serverError) {
                LOG.error("error on {} {}", req.prologue().method().text(), req.path().path(), e);
            }
            Responses.error(res, new ApiException(e.status().code(), codeOf(e.status().code()),
                    serverError ? "internal error (logged on the server)" : e.getMessage(), null));
        });
        routing.error(Exception.class, (req, res, e) -> {
            // The log has the exception; the client gets no internals.
            LOG.error("unexpected error on {} {}", req.prologue().method().text(), req.path().path(), e);
            Responses.error(res, new ApiException(500, "internal", "internal error (logged on the server)", null));
        });
    }

    /** The error code of a status the web server (not our code) chose. */
    private static String codeOf(final int status) {
        return switch (status) {
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            case 503 -> "overloaded";
            default -> status >= 500 ? "internal" : "invalid_request";
        };
    }

    /**
     * The error bodies for what the server answers before routing, registered for every kind of
     * event it has: JSON like every other error, never an empty body.
     * <ul>
     *   <li>a request line, header or body framing it cannot read (400, or 413 for a declared body
     *       past the limit): {@code BAD_REQUEST};</li>
     *   <li>a failure while reading the connection itself, which Helidon 4.3 reports as an
     *       internal error with no request and no message (a method that is not a token, for one):
     *       the client's bytes are at fault, so a 400;</li>
     *   <li>the concurrency limit refusing a request (503, {@code OTHER}): {@code overloaded} with
     *       {@code Retry-After};</li>
     *   <li>HTTP/1.0, which Helidon answers with 505: a 400 here.</li>
     * </ul>
     */
    public static void registerDirectErrors(final DirectHandlers.Builder handlers) {
        DirectHandler json = directErrors();
        handlers.addHandler(DirectHandler.EventType.BAD_REQUEST, json)
                .addHandler(DirectHandler.EventType.PAYLOAD_TOO_LARGE, json)
                // Helidon answers HTTP/1.0 with 505, which RFC 9110 keeps for another major version:
                // it is the request that cannot be served as sent, a 400.
                .addHandler(DirectHandler.EventType.HTTP_VERSION_NOT_SUPPORTED, (request, eventType, status, headers,
                        message) -> json.handle(request, DirectHandler.EventType.BAD_REQUEST, Status.BAD_REQUEST_400,
                        headers, "this server speaks HTTP/1.1 and HTTP/2; HTTP/1.0 is not supported"))
                .addHandler(DirectHandler.EventType.OTHER, json)
                .addHandler(DirectHandler.EventType.FORBIDDEN, json)
                .addHandler(DirectHandler.EventType.INTERNAL_ERROR, (request, eventType, status, headers, message) -> {
                    boolean unreadable = request == DirectHandler.TransportRequest.empty() && message == null;
                    return unreadable
                            ? json.handle(request, DirectHandler.EventType.BAD_REQUEST, Status.BAD_REQUEST_400, headers,
                                    "the request cannot be read")
                            : json.handle(request, eventType, status, headers, (String) null);
                });
    }

    /**
     * The JSON error body for what the server refuses before routing. Its message is the server's
     * only where that is meant for clients (a 4xx); a 5xx never shows what failed inside.
     */
    public static DirectHandler directErrors() {
        return (request, eventType, status, headers, message) -> {
            String code = codeOf(status.code());
            String text = message == null || message.isBlank() || status.code() >= 500 ? reasonOf(status)
                    : message;
            try {
                DirectHandler.TransportResponse.Builder response = DirectHandler.TransportResponse.builder()
                        .status(status)
                        .headers(headers)
                        .header(HeaderNames.CONTENT_TYPE, "application/json");
                if (status.code() == 503) {
                    response.header(HeaderNames.RETRY_AFTER, "1");
                }
                return response.entity(Json.MAPPER.writeValueAsBytes(Responses.errorBody(
                        new ApiException(status.code(), code, text, null)))).build();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot serialise an error", e);
            }
        };
    }

    private static String reasonOf(final Status status) {
        return switch (status.code()) {
            case 503 -> "the server is at its limit of concurrent requests; retry shortly";
            case 500 -> "internal error";
            default -> status.reasonPhrase();
        };
    }
}
