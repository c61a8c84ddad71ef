package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.cli.QueryService;
import io.vectorstream.schema.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A bounded fuzz of the HTTP edge, as an attacker would send it: raw bytes on sockets, malformed
 * request lines, methods, headers, framing and bodies, and well-formed requests with hostile
 * values. No answer may be a 5xx, every error must be the JSON error body, and the data written
 * before must be unchanged after.
 */
@Tag("integration")
class HttpFuzzTest {

    private static final int REQUESTS = 3_000;
    private static QueryService service;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        service = ServiceHarness.start();
        api = new ApiClient(service.port());
        assertEquals(201, api.post("/v1/libraries?wait=true",
                "{\"id\":\"kept\",\"name\":\"Kept\",\"dimension\":3,\"metric\":\"cosine\",\"metadata\":{\"a\":1}}")
                .status());
        assertEquals(201, api.put("/v1/libraries/kept/documents/d?wait=true", """
                {"metadata":{"t":"x"},"chunks":[{"id":"a","text":"alpha","embedding":[1,0,0]},
                {"id":"b","text":"beta","embedding":[0,1,0],"metadata":{"tags":["x"]}}]}""").status());
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    /** What a client can read of the library written before the fuzz. */
    private static String snapshot() {
        List<String> reads = List.of("/v1/libraries/kept", "/v1/libraries/kept/documents/d",
                "/v1/libraries/kept/documents/d/chunks?include=embedding");
        StringBuilder out = new StringBuilder();
        for (String path : reads) {
            out.append(api.get(path).body()).append('\n');
        }
        JsonNode search = api.post("/v1/libraries/kept/search", "{\"vector\":[1,0.5,0],\"k\":2}").body();
        return out.append(search.get("results")).toString();
    }

    @Test
    void hostileRequestsGetJsonErrorsNeverA5xxAndLeaveTheDataAsItWas() throws Exception {
        String before = snapshot();
        Random random = new Random(15);
        Map<Integer, Integer> byStatus = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            byte[] request = hostileRequest(random, i);
            Answer answer = exchange(request);
            byStatus.merge(answer.status(), 1, Integer::sum);
            String shown = new String(request, 0, Math.min(request.length, 200), StandardCharsets.ISO_8859_1);
            if (answer.status() >= 500) {
                failures.add(answer.status() + " for " + shown + " -> " + answer.body());
            } else if (answer.status() >= 400 && !isJsonError(answer.body())) {
                failures.add("not a JSON error: " + answer.status() + " " + answer.body() + " for " + shown);
            } else if (answer.body().contains("Exception")) {
                failures.add("exception text: " + answer.body() + " for " + shown);
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())), "of " + failures.size()
                + " failures; answers by status: " + byStatus);
        assertTrue(byStatus.keySet().stream().anyMatch(status -> status >= 400), byStatus.toString());
        assertEquals(before, snapshot(), "the data written before the fuzz");
        assertEquals(200, api.get("/observe/health/ready").status());
        JsonNode live = api.get("/observe/health/live").body();
        JsonNode pipeline = null;
        for (JsonNode check : live.get("checks")) {
            if ("pipeline".equals(check.path("name").asText())) {
                pipeline = check.get("data");
            }
        }
        assertEquals(0, pipeline.get("replacedStreamThreads").asLong(), live.toString());
        assertEquals(0, pipeline.get("refusedSends").asLong(), live.toString());
    }

    private static boolean isJsonError(final String body) {
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            return json != null && json.path("error").path("code").isTextual()
                    && json.path("error").path("message").isTextual() && json.path("error").has("field");
        } catch (IOException e) {
            return false;
        }
    }

    /** A status (0 when the server closed without answering, which it may for a cut request) and a body. */
    private record Answer(int status, String body) {
    }

    private static Answer exchange(final byte[] request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", service.port()), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
                socket.shutdownOutput(); // a request cut short ends here, as a client that gave up
            } catch (IOException refusedMidway) {
                // The server answered and closed before taking all of it: read the answer below.
            }
            return read(socket.getInputStream());
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no answer within 10 s to " + new String(request, 0,
                    Math.min(request.length, 300), StandardCharsets.ISO_8859_1), e);
        }
    }

    /** Reads one response: status line, headers, and a body of Content-Length bytes. */
    private static Answer read(final InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            return new Answer(0, "");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = 0;
        for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(header.substring(colon + 1).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new Answer(status, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(final InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return b == -1 && bytes.size() == 0 ? null : bytes.toString(StandardCharsets.ISO_8859_1);
    }

    private static final List<String> PATHS = List.of("/v1/libraries", "/v1/libraries/kept",
            "/v1/libraries/kept/search", "/v1/libraries/kept/documents", "/v1/libraries/kept/documents/d",
            "/v1/libraries/kept/documents/d/chunks", "/v1/libraries/kept/documents/d/chunks/a",
            "/v1/libraries/kept/index", "/v1/embed", "/v1/models", "/observe/health/ready", "/v1/libraries/fz",
            "/v1/libraries/fz/documents/x/chunks/y", "/v1/nope", "/", "/v1/cluster", "/internal/v1/shards",
            "/v1/libraries/kept/count", "/observe/metrics", "/openapi", "/v1/libraries/kept/search/batch");
    private static final List<String> BODIES = List.of(
            "{\"vector\":[1,0,0],\"k\":3}", "{\"text\":\"hello\",\"k\":1}",
            "{\"vector\":[1,0,0],\"k\":2,\"allowPartial\":false,\"maxLagOffsets\":5}",
            "{\"id\":\"fz\",\"name\":\"F\",\"dimension\":3,\"metadata\":{\"k\":[\"a\"]}}",
            "{\"metadata\":{\"n\":1},\"chunks\":[{\"id\":\"c\",\"embedding\":[1,2,3],\"text\":\"t\"}]}",
            "{\"text\":\"t\",\"embedding\":[0.1,0.2,0.3]}", "{\"texts\":[\"a\",\"b\"],\"purpose\":\"query\"}",
            "{\"name\":\"renamed\"}", "{\"index\":{\"kind\":\"ivf\",\"params\":{\"nlist\":4}}}",
            "{\"vector\":[1,0,0],\"k\":3,\"filter\":{\"n\":{\"$gte\":1},\"$or\":[{\"tag\":\"a\"},"
                    + "{\"document.lang\":{\"$in\":[\"en\"]}}],\"$not\":{\"x\":{\"$exists\":true}}}}",
            "{\"like\":{\"documentId\":\"d\",\"chunkId\":\"a\"},\"k\":2,\"filter\":{\"n\":{\"$lt\":2}}}",
            "{\"filter\":{\"createdAt\":{\"$gt\":\"2026-01-01T00:00:00Z\"},\"tags\":{\"$contains\":\"x\"}}}",
            "{\"vector\":[1,0,0],\"k\":2,\"groupBy\":\"documentId\",\"groupSize\":2}",
            "{\"vector\":[1,0,0],\"k\":2,\"ef\":16}",
            "{\"index\":{\"kind\":\"hnsw\",\"params\":{\"m\":8,\"efSearch\":32}}}",
            "{\"searches\":[{\"vector\":[1,0,0],\"k\":1},{\"like\":{\"documentId\":\"d\",\"chunkId\":\"a\"},"
                    + "\"groupBy\":\"documentId\"}]}");
    private static final List<String> VALUES = List.of("null", "-1", "0", "1e400", "-1e400", "\"\"", "\"x\"", "[]",
            "{}", "[[[[[[[[[[]]]]]]]]]]", "true", "9223372036854775808", "\"\\u0000\"", "\"\\ud800\"", "1.5",
            "\"" + "y".repeat(70_000) + "\"", "[" + "1,".repeat(5_000) + "1]", "\"AAAA\"", "\"../../etc\"");

    /** One hostile request of kind {@code i % 12}. */
    private static byte[] hostileRequest(final Random random, final int i) {
        String path = PATHS.get(random.nextInt(PATHS.size()));
        String body = BODIES.get(random.nextInt(BODIES.size()));
        return switch (i % 12) {
            case 0 -> bytes(methodBytes(random), " " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            case 1 -> ascii("GET " + List.of("nope", "/%ZZ", "/v1/libraries/%00", "/v1/" + "a".repeat(9_000),
                    "/v1/libraries/kept/../../x", "*", "/v1/libraries?limit=%", "/v1/libraries/\u00e9")
                    .get(random.nextInt(8)) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            case 2 -> ascii("GET " + path + " " + List.of("HTTP/1.0", "HTTP/9.9", "HTTX/1.1", "", "HTTP/1.1 extra")
                    .get(random.nextInt(5)) + "\r\nHost: x\r\n\r\n");
            case 3 -> ascii("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + List.of("NoColon\r\n", "Bad Name: v\r\n",
                    "X-\u0001: v\r\n", "X-Long: " + "v".repeat(20_000) + "\r\n", "X: a\rb\r\n",
                    "X-Consistency-Token: " + List.of("1:2:3", "-1:5", "0:99999999999", "99:1", "a", "", ",")
                            .get(random.nextInt(7)) + "\r\n").get(random.nextInt(6)) + "\r\n");
            case 4 -> ascii("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + List.of("Content-Length: -5", "Content-Length: abc", "Content-Length: 99999999999999999999",
                    "Content-Length: 5\r\nContent-Length: 7", "Content-Length: 17825792",
                    "Content-Length: " + (body.length() + 40)).get(random.nextInt(6)) + "\r\n\r\n" + body);
            case 5 -> ascii("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + List.of("zz\r\n" + body + "\r\n0\r\n\r\n",
                    "3;ext=1\r\n{}\n\r\n0\r\n\r\n", "ffffffffff\r\nx\r\n", "-1\r\n", "5\r\n{}", "2\r\n{}0\r\n\r\n")
                    .get(random.nextInt(6)));
            case 6, 7, 8 -> request(List.of("POST", "PUT", "PATCH").get(random.nextInt(3)), writablePath(random, path),
                    "application/json", mutate(body, random));
            case 9 -> request("POST", path, List.of("text/plain", "bogus", "application/json; charset=nope",
                    "multipart/form-data; boundary=x", "application/xml").get(random.nextInt(5)), body);
            case 10 -> ascii("GET " + path + "?" + List.of("limit=abc", "limit=0", "limit=100000", "cursor=%%%",
                    "cursor=" + "Z".repeat(500), "consistencyToken=0:9999999999", "consistencyToken=x",
                    "include=everything", "wait=maybe", "a=" + "b".repeat(10_000)).get(random.nextInt(10))
                    + " HTTP/1.1\r\nHost: x\r\n\r\n");
            default -> {
                byte[] noise = new byte[1 + random.nextInt(3_000)];
                random.nextBytes(noise);
                yield noise;
            }
        };
    }

    /** Writes go to other libraries than the one kept, or are searches or counts of it (which change nothing). */
    private static String writablePath(final Random random, final String path) {
        if (path.startsWith("/v1/libraries/kept") && !path.endsWith("/search") && !path.endsWith("/count")
                && !path.endsWith("/search/batch")) {
            return path.replace("/kept", "/fz" + random.nextInt(20));
        }
        return path;
    }

    /** A JSON body with one value replaced by a hostile one, or cut, or wrapped. */
    private static String mutate(final String body, final Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> body.substring(0, random.nextInt(body.length()));
            case 1 -> body.replaceFirst(":[^,}\\]]+", ":" + VALUES.get(random.nextInt(VALUES.size())));
            case 2 -> body.replace("[1,0,0]", VALUES.get(random.nextInt(VALUES.size())));
            case 3 -> "[".repeat(3_000) + body;
            default -> body.replace("{", "{\"extra\":" + VALUES.get(random.nextInt(VALUES.size())) + ",");
        };
    }

    private static byte[] methodBytes(final Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> new byte[] {(byte) 0xC3, (byte) 0xA9};
            case 1 -> new byte[] {'G', 1, 'T'};
            case 2 -> "TRACE".getBytes(StandardCharsets.US_ASCII);
            case 3 -> "X".repeat(5_000).getBytes(StandardCharsets.US_ASCII);
            default -> "CONNECT".getBytes(StandardCharsets.US_ASCII);
        };
    }

    private static byte[] request(final String method, final String path, final String contentType,
                                  final String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        return bytes(ascii(method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + content.length + "\r\n\r\n"), content);
    }

    private static byte[] ascii(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(final byte[] first, final String rest) {
        return bytes(first, ascii(rest));
    }

    private static byte[] bytes(final byte[] first, final byte[] second) {
        byte[] all = new byte[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
