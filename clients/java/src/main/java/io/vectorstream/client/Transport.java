package io.vectorstream.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP plumbing of {@link VectorStreamClient}: JSON both ways, the API key, the session's
 * consistency token, errors as {@link VectorStreamException}s, and retries of calls that change
 * nothing when the service answers 429 or 503.
 */
final class Transport {

    static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final String TOKEN_HEADER = "X-Consistency-Token";

    private final URI base;
    private final String apiKey;
    private final Duration timeout;
    private final int maxRetries;
    private final HttpClient http;
    private final SessionTokens session;
    private final boolean sendSession;

    /** @param sendSession whether calls carry the session's token (its writes are observed either way) */
    Transport(final URI base, final String apiKey, final Duration timeout, final int maxRetries,
              final HttpClient http, final SessionTokens session, final boolean sendSession) {
        this.base = base;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.maxRetries = maxRetries;
        this.http = http;
        this.session = session;
        this.sendSession = sendSession;
    }

    /** A call that changes nothing, answered as {@code type}; {@code token}: one to wait for besides the session's. */
    <T> CompletableFuture<T> read(final String method, final String path, final Object body, final String token,
                                  final JavaType type) {
        return send(method, path, body, token, 0).thenApply(response -> parse(response.body(), type));
    }

    /** A write; {@code ids} are the library, document and chunk it names, for the receipt when waited for. */
    CompletableFuture<WriteReceipt> write(final String method, final String path, final Object body, final boolean wait,
                                          final String... ids) {
        return send(method, path + (wait ? "?wait=true" : ""), body, null, -1).thenApply(response -> {
            String token = response.headers().firstValue(TOKEN_HEADER).orElse(null);
            session.observe(token);
            JsonNode answer = parse(response.body(), JSON.constructType(JsonNode.class));
            if (answer != null && answer.has("status") && answer.has("consistencyToken")) {
                return JSON.convertValue(answer, WriteReceipt.class);
            }
            return new WriteReceipt("applied", token, id(ids, 0), id(ids, 1), id(ids, 2));
        });
    }

    private static String id(final String[] ids, final int i) {
        return i < ids.length ? ids[i] : null;
    }

    /** @param attempt retries made so far; -1: a write, never retried */
    private CompletableFuture<HttpResponse<String>> send(final String method, final String path, final Object body,
                                                         final String token, final int attempt) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Accept", "application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(toJson(body)));
        }
        if (apiKey != null) {
            request.header("X-Api-Key", apiKey);
        }
        String tokens = join(token, sendSession ? session.token() : null);
        if (tokens != null) {
            request.header(TOKEN_HEADER, tokens); // writes too: their checks then see the writes before them
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                        throw new VectorStreamException.ConnectionFailed(method + " " + base.resolve(path) + ": "
                                + cause, cause);
                    }
                    return response;
                })
                .thenCompose(response -> {
                    if (response.statusCode() < 400) {
                        return CompletableFuture.completedFuture(response);
                    }
                    boolean retry = attempt >= 0 && attempt < maxRetries
                            && (response.statusCode() == 429 || response.statusCode() == 503);
                    if (!retry) {
                        return CompletableFuture.failedFuture(error(response));
                    }
                    long delay = response.headers().firstValue("Retry-After").map(Transport::seconds).orElse(1L);
                    return CompletableFuture.supplyAsync(() -> null,
                                    CompletableFuture.delayedExecutor(delay, TimeUnit.SECONDS))
                            .thenCompose(ignored -> send(method, path, body, token, attempt + 1));
                });
    }

    private static long seconds(final String retryAfter) {
        try {
            return Math.max(0, Math.min(30, Long.parseLong(retryAfter.trim())));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static String join(final String a, final String b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a + "," + b;
    }

    static VectorStreamException error(final HttpResponse<String> response) {
        String code = "http_" + response.statusCode();
        String message = response.body();
        String field = null;
        try {
            JsonNode error = JSON.readTree(response.body()).path("error");
            if (error.isObject()) {
                code = error.path("code").asText(code);
                message = error.path("message").asText("");
                field = error.path("field").isTextual() ? error.path("field").asText() : null;
            }
        } catch (JsonProcessingException notJson) {
            // a proxy's page, say: its text is the message
        }
        return VectorStreamException.of(response.statusCode(), code, message, field);
    }

    private static String toJson(final Object body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the request body as JSON: " + e.getMessage(), e);
        }
    }

    private static <T> T parse(final String body, final JavaType type) {
        if (body == null || body.isEmpty()) {
            return null;
        }
        try {
            return JSON.readValue(body, type);
        } catch (IOException e) {
            throw new VectorStreamException(0, "unreadable_answer", "the service's answer is not the expected JSON: "
                    + e.getMessage(), null);
        }
    }
}
