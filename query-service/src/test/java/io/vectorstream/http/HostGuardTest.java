package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** dev's defence against DNS rebinding: only the loopback names in {@code Host}, over a real server. */
class HostGuardTest {

    @Test
    void onlyTheAllowedHostNamesAreAnswered() throws IOException {
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.addFilter(new HostGuard(Set.of("localhost", "127.0.0.1", "::1")))
                        .get("/v1/libraries", (req, res) -> res.send("{\"items\": []}")))
                .build().start();
        try {
            for (String host : new String[] {"localhost:8080", "LOCALHOST", "127.0.0.1:" + server.port(), "[::1]:8080"}) {
                assertTrue(get(server.port(), host).startsWith("HTTP/1.1 200"), host);
            }
            for (String host : new String[] {"attacker.example:8080", "localhost.attacker.example", "[::2]"}) {
                String answer = get(server.port(), host);
                assertTrue(answer.startsWith("HTTP/1.1 403"), host + ": " + answer);
                assertTrue(answer.contains("\"code\":\"host_not_allowed\""), answer);
            }
        } finally {
            server.stop();
        }
        assertEquals("::1", HostGuard.hostOf("[::1]:8080"));
        assertEquals("example.org", HostGuard.hostOf("Example.org:80"));
    }

    /** A GET with the given Host header (the JDK's client will not send another host than it connects to). */
    private static String get(final int port, final String host) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/libraries HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
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
        }
    }
}
