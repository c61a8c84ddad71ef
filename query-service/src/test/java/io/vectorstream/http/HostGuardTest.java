package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** dev's defence against DNS rebinding: only the loopback names in {@code Host}, over a real server. */
class HostGuardTest {

    @Test
    void onlyTheAllowedHostNamesAreAnswered() {
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.addFilter(new HostGuard(Set.of("localhost", "127.0.0.1", "::1")))
                        .get("/v1/libraries", (req, res) -> res.send("{\"items\": []}"))
                        .get("/internal/v1/shards", (req, res) -> res.send("{}")))
                .build().start();
        try {
            for (String host : new String[] {"localhost:8080", "LOCALHOST", "127.0.0.1:" + server.port(), "[::1]:8080"}) {
                assertTrue(ApiClient.rawGet(server.port(), "/v1/libraries", host).startsWith("HTTP/1.1 200"), host);
            }
            for (String host : new String[] {"attacker.example:8080", "localhost.attacker.example", "[::2]"}) {
                String answer = ApiClient.rawGet(server.port(), "/v1/libraries", host);
                assertTrue(answer.startsWith("HTTP/1.1 403"), host + ": " + answer);
                assertTrue(answer.contains("\"code\":\"host_not_allowed\""), answer);
            }
            // Other instances name this one by its advertised host; the cluster secret guards them.
            assertTrue(ApiClient.rawGet(server.port(), "/internal/v1/shards", "vectorstream-2:8080")
                    .startsWith("HTTP/1.1 200"));
        } finally {
            server.stop();
        }
        assertEquals("::1", HostGuard.hostOf("[::1]:8080"));
        assertEquals("example.org", HostGuard.hostOf("Example.org:80"));
    }
}
