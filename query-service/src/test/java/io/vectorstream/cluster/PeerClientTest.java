package io.vectorstream.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.vectorstream.security.TlsStores;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.stream.ShardAnswers;
import io.vectorstream.testing.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client of the internal endpoint against a real Helidon server, and against sockets that misbehave. */
class PeerClientTest {

    private static final PeerRequest<Map<Integer, Long>> WATERMARKS = new PeerRequest<>(new ShardQuery.Watermarks(),
            Set.of(1, 2), null, 0, -1);

    @Test
    void answersOfTheEndpointAsHelidonServesItComeBackAndTheSecretIsChecked() {
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.post(PeerClient.PATH, (req, res) -> {
                    if (!"s3cret".equals(req.headers().first(HeaderNames.create(PeerClient.SECRET_HEADER)).orElse(null))) {
                        res.status(Status.UNAUTHORIZED_401).send("{}");
                        return;
                    }
                    PeerRequest<?> request = ShardWire.decodeRequest(req.content().as(byte[].class));
                    assertEquals(Set.of(1, 2), request.partitions());
                    res.send(ShardWire.encode(new ShardQuery.Watermarks(),
                            new ShardAnswers<>(Map.of(1, Map.of(0, 7L)), Set.of(2), "shard 2 moved")));
                }))
                .build().start();
        try (PeerClient client = new PeerClient(ClusterSecret.of("s3cret"));
             PeerClient stranger = new PeerClient(ClusterSecret.of("guess"))) {
            HostInfo peer = new HostInfo("127.0.0.1", server.port());
            for (int i = 0; i < 20; i++) {
                ShardAnswers<Map<Integer, Long>> answer = client.send(peer, WATERMARKS, Duration.ofSeconds(5)).answer();
                assertEquals(Map.of(1, Map.of(0, 7L)), answer.results());
                assertEquals(Set.of(2), answer.missing());
                assertEquals("shard 2 moved", answer.why());
            }
            ShardAnswers<Map<Integer, Long>> refused = stranger.send(peer, WATERMARKS, Duration.ofSeconds(5)).answer();
            assertEquals(Set.of(1, 2), refused.missing());
            assertTrue(refused.why().contains("answered 401") && refused.why().contains("--cluster-secret"), refused.why());
        } finally {
            server.stop();
        }
    }

    @Test
    void overTlsPeersAreReachedWhenTheirCertificateIsTrustedAndNamesThem(@TempDir final Path dir) throws Exception {
        TlsStores stores = new TlsStores(TestCertificates.selfSigned(dir, "peer"), TestCertificates.PASSWORD, null, null);
        byte[] answer = ShardWire.encode(new ShardQuery.Watermarks(),
                new ShardAnswers<>(Map.of(1, Map.of(0, 3L), 2, Map.of(0, 4L)), Set.of(), null));
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .tls(Tls.builder().sslContext(stores.serverContext()).build())
                .routing(r -> r.post(PeerClient.PATH, (req, res) -> res.send(answer)))
                .build().start();
        try (PeerClient trusting = new PeerClient(ClusterSecret.insecure(), stores.clientContext());
             PeerClient plain = new PeerClient(ClusterSecret.insecure());
             PeerClient defaultTrust = new PeerClient(ClusterSecret.insecure(), SSLContext.getDefault())) {
            for (String host : new String[] {"127.0.0.1", "localhost"}) {
                HostInfo peer = new HostInfo(host, server.port());
                for (int i = 0; i < 5; i++) { // the TLS connection is kept alive and reused too
                    assertEquals(Map.of(1, Map.of(0, 3L), 2, Map.of(0, 4L)),
                            trusting.send(peer, WATERMARKS, Duration.ofSeconds(5)).answer().results());
                }
            }
            HostInfo peer = new HostInfo("127.0.0.1", server.port());
            assertEquals(Set.of(1, 2), plain.send(peer, WATERMARKS, Duration.ofSeconds(5)).answer().missing(),
                    "plain HTTP to a TLS peer is no answer");
            assertEquals(Set.of(1, 2), defaultTrust.send(peer, WATERMARKS, Duration.ofSeconds(5)).answer().missing(),
                    "a certificate the client does not trust is no answer");
        } finally {
            server.stop();
        }
        // A trusted certificate that names another host: the peer is not the one asked for.
        TlsStores otherName = new TlsStores(TestCertificates.selfSigned(dir, "elsewhere", "dns:elsewhere.example"),
                TestCertificates.PASSWORD, null, null);
        WebServer misnamed = WebServer.builder().host("127.0.0.1").port(0)
                .tls(Tls.builder().sslContext(otherName.serverContext()).build())
                .routing(r -> r.post(PeerClient.PATH, (req, res) -> res.send(answer)))
                .build().start();
        try (PeerClient client = new PeerClient(ClusterSecret.insecure(), otherName.clientContext())) {
            ShardAnswers<Map<Integer, Long>> refused = client.send(new HostInfo("127.0.0.1", misnamed.port()),
                    WATERMARKS, Duration.ofSeconds(5)).answer();
            assertEquals(Set.of(1, 2), refused.missing(), "a certificate for another name is no answer");
        } finally {
            misnamed.stop();
        }
    }

    @Test
    void requestsReuseOneKeptAliveConnection() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        byte[] answer = ShardWire.encode(new ShardQuery.Watermarks(),
                new ShardAnswers<>(Map.of(1, Map.of(0, 1L), 2, Map.of(0, 2L)), Set.of(), null));
        try (ServerSocket listener = new ServerSocket(0);
             PeerClient client = new PeerClient(ClusterSecret.insecure())) {
            Thread.ofPlatform().daemon().start(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket socket = listener.accept();
                        accepted.incrementAndGet();
                        Thread.ofPlatform().daemon().start(() -> {
                            try (socket) {
                                while (true) {
                                    readRequest(socket.getInputStream());
                                    socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + answer.length
                                            + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                                    socket.getOutputStream().write(answer);
                                }
                            } catch (IOException e) {
                                // the client closed it
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            HostInfo peer = new HostInfo("127.0.0.1", listener.getLocalPort());
            for (int i = 0; i < 10; i++) {
                assertTrue(client.send(peer, WATERMARKS, Duration.ofSeconds(5)).answer().isComplete());
            }
            // Two at once take two connections; both stay for the next ones.
            PeerClient.Exchange<Map<Integer, Long>> first = client.send(peer, WATERMARKS, Duration.ofSeconds(5));
            PeerClient.Exchange<Map<Integer, Long>> second = client.send(peer, WATERMARKS, Duration.ofSeconds(5));
            assertTrue(first.answer().isComplete() && second.answer().isComplete());
            for (int i = 0; i < 10; i++) {
                assertTrue(client.send(peer, WATERMARKS, Duration.ofSeconds(5)).answer().isComplete());
            }
            assertEquals(2, accepted.get(), "connections opened");
        }
    }

    @Test
    void aConnectionThePeerClosedWhileIdleIsReplacedAndTheRequestSentAgain() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        byte[] answer = ShardWire.encode(new ShardQuery.Watermarks(),
                new ShardAnswers<>(Map.of(1, Map.of(0, 1L), 2, Map.of(0, 2L)), Set.of(), null));
        try (ServerSocket listener = new ServerSocket(0);
             PeerClient client = new PeerClient(ClusterSecret.insecure())) {
            // Each connection answers one request, then closes without saying so (as an idle timeout does).
            Thread.ofPlatform().daemon().start(() -> {
                while (!listener.isClosed()) {
                    try (Socket socket = listener.accept()) {
                        accepted.incrementAndGet();
                        readRequest(socket.getInputStream());
                        OutputStream out = socket.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + answer.length + "\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.write(answer);
                        out.flush();
                        Thread.sleep(50); // the client pools it meanwhile
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            });
            HostInfo peer = new HostInfo("127.0.0.1", listener.getLocalPort());
            for (int i = 0; i < 3; i++) {
                ShardAnswers<Map<Integer, Long>> result = client.send(peer, WATERMARKS, Duration.ofSeconds(5)).answer();
                assertTrue(result.isComplete(), "request " + i + ": " + result.why());
                Thread.sleep(100); // the peer has closed the pooled connection by now
            }
            assertEquals(3, accepted.get(), "a new connection for each request after the first");
        }
    }

    @Test
    void aChunkedAnswerIsRead() throws Exception {
        byte[] answer = ShardWire.encode(new ShardQuery.Watermarks(),
                new ShardAnswers<>(Map.of(1, Map.of(3, 9L), 2, Map.of(3, 9L)), Set.of(), null));
        try (ServerSocket listener = new ServerSocket(0);
             PeerClient client = new PeerClient(ClusterSecret.insecure())) {
            Thread.ofPlatform().daemon().start(() -> {
                try (Socket socket = listener.accept()) {
                    readRequest(socket.getInputStream());
                    OutputStream out = socket.getOutputStream();
                    int half = answer.length / 2;
                    out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(half)
                            + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(answer, 0, half);
                    out.write(("\r\n" + Integer.toHexString(answer.length - half) + ";x=y\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.write(answer, half, answer.length - half);
                    out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    Thread.sleep(200);
                } catch (IOException | InterruptedException e) {
                    // the test fails on its side
                }
            });
            ShardAnswers<Map<Integer, Long>> result = client.send(new HostInfo("127.0.0.1", listener.getLocalPort()),
                    WATERMARKS, Duration.ofSeconds(5)).answer();
            assertEquals(Map.of(1, Map.of(3, 9L), 2, Map.of(3, 9L)), result.results());
        }
    }

    @Test
    void aPeerThatDoesNotAnswerInTimeOrCannotBeReachedIsMissingWithTheReason() throws Exception {
        try (ServerSocket silent = new ServerSocket(0);
             PeerClient client = new PeerClient(ClusterSecret.insecure())) {
            Thread.ofPlatform().daemon().start(() -> {
                try (Socket socket = silent.accept()) {
                    readRequest(socket.getInputStream());
                    Thread.sleep(5_000); // never answers in time
                } catch (IOException | InterruptedException e) {
                    // closed by the test
                }
            });
            long start = System.nanoTime();
            ShardAnswers<Map<Integer, Long>> slow = client.send(new HostInfo("127.0.0.1", silent.getLocalPort()),
                    WATERMARKS, Duration.ofMillis(300)).answer();
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(3).toNanos(), "within about the timeout");
            assertEquals(Set.of(1, 2), slow.missing());
            assertTrue(slow.why().contains("did not answer within 300 ms"), slow.why());

            int closedPort;
            try (ServerSocket gone = new ServerSocket(0)) {
                closedPort = gone.getLocalPort();
            }
            ShardAnswers<Map<Integer, Long>> unreachable = client.send(new HostInfo("127.0.0.1", closedPort),
                    WATERMARKS, Duration.ofSeconds(2)).answer();
            assertEquals(Set.of(1, 2), unreachable.missing());
            assertTrue(unreachable.why().contains("cannot be reached"), unreachable.why());
        }
    }

    /** Reads one request: headers to the blank line, then Content-Length bytes. */
    private static void readRequest(final InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            head.append((char) b);
        }
        String lower = head.toString().toLowerCase();
        int at = lower.indexOf("content-length:");
        int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
        in.readNBytes(length);
    }
}
