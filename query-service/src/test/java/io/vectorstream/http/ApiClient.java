package io.vectorstream.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.schema.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/** A thin HTTP client for the API in tests: JSON in, status and JSON out. */
public final class ApiClient {

    /** A response: status, body (JSON, or a text node when not JSON) and the consistency token header. */
    public record Response(int status, JsonNode body, String token, String contentType) {
        public String errorField() {
            return body.path("error").path("field").isNull() ? null : body.path("error").path("field").asText();
        }

        public String errorCode() {
            return body.path("error").path("code").asText();
        }
    }

    private final HttpClient http;
    private final String base;
    /** A header every request carries (an API key), or null. */
    private final String[] header;

    public ApiClient(final int port) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), "http://127.0.0.1:" + port, null);
    }

    private ApiClient(final HttpClient http, final String base, final String[] header) {
        this.http = http;
        this.base = base;
        this.header = header;
    }

    /** A client of {@code https://localhost:port} that trusts what {@code tls} trusts. */
    public static ApiClient https(final int port, final SSLContext tls) {
        return new ApiClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(tls).build(),
                "https://localhost:" + port, null);
    }

    /** This client with {@code name: value} on every request (an API key). */
    public ApiClient withHeader(final String name, final String value) {
        return new ApiClient(http, base, new String[] {name, value});
    }

    public Response get(final String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), null);
    }

    public Response get(final String path, final String token) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET().header("X-Consistency-Token", token), null);
    }

    public Response post(final String path, final String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(json)),
                "application/json");
    }

    public Response put(final String path, final String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).PUT(HttpRequest.BodyPublishers.ofString(json)),
                "application/json");
    }

    public Response patch(final String path, final String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)), "application/json");
    }

    public Response delete(final String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE(), null);
    }

    /** Sends a request built by the caller (for odd content types and bodies). */
    public Response send(final HttpRequest.Builder builder, final String contentType) {
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        if (header != null) {
            builder.header(header[0], header[1]);
        }
        try {
            HttpResponse<String> response = http.send(builder.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            String type = response.headers().firstValue("Content-Type").orElse("");
            JsonNode body;
            try {
                body = response.body().isEmpty() ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(response.body());
            } catch (IOException notJson) {
                body = Json.MAPPER.getNodeFactory().textNode(response.body());
            }
            return new Response(response.statusCode(), body,
                    response.headers().firstValue("X-Consistency-Token").orElse(null), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public URI uri(final String path) {
        return URI.create(base + path);
    }

    /**
     * A GET of {@code path} on 127.0.0.1 naming {@code host} in its Host header (the JDK's client
     * will not send another host than it connects to): the raw answer, head and body.
     */
    public static String rawGet(final int port, final String path, final String host) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.append((char) b);
            }
            Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            byte[] body = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
            return head + new String(body, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
