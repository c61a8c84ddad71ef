package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.http.ApiClient;
import io.vectorstream.security.TlsStores;
import io.vectorstream.testing.TestCertificates;
import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Two {@code serve} processes with {@code http.tls.*}: clients reach them over HTTPS, and each asks
 * the other for its shards over TLS (the certificate names 127.0.0.1, where they advertise
 * themselves), so a search through either answers from every shard.
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own processes: runs beside other tests
class TlsClusterIntegrationTest {

    @Test
    void instancesAskEachOtherOverTls() throws Exception {
        Path data = Directories.temporary("vectorstream-tls-cluster");
        Path store = TestCertificates.selfSigned(data, "cluster");
        Path config = Files.writeString(data.resolve("tls.yaml"), """
                http:
                  tls:
                    keystore: "%s"
                    keystore-password: "%s"
                cluster:
                  secret: "tls-cluster-secret"
                """.formatted(store, TestCertificates.PASSWORD));
        int kafkaPort = CliProcess.freePort();
        String bootstrap = "127.0.0.1:" + kafkaPort;
        int[] ports = {CliProcess.freePort(), CliProcess.freePort()};
        TlsStores trust = new TlsStores(store, TestCertificates.PASSWORD, null, null);
        try (CliProcess broker = CliProcess.broker(data, kafkaPort)) {
            broker.awaitReady(Duration.ofMinutes(1));
            try (CliProcess first = CliProcess.serveInCluster(bootstrap, data.resolve("one"), ports[0], "--config",
                    config.toString(), "--partitions", "4");
                 CliProcess second = CliProcess.serveInCluster(bootstrap, data.resolve("two"), ports[1], "--config",
                         config.toString(), "--partitions", "4")) {
                first.awaitReady(Duration.ofMinutes(2));
                second.awaitReady(Duration.ofMinutes(2));
                ApiClient one = ApiClient.https(ports[0], trust.clientContext());
                ApiClient two = ApiClient.https(ports[1], trust.clientContext());
                awaitShardsOnBoth(two);

                assertEquals(201, one.post("/v1/libraries?wait=true",
                        "{\"id\": \"tls\", \"name\": \"t\", \"dimension\": 2}").status());
                for (int d = 0; d < 12; d++) {
                    assertEquals(201, one.put("/v1/libraries/tls/documents/d" + d + "?wait=true",
                            "{\"chunks\": [{\"id\": \"c\", \"embedding\": [1, " + d + "]}]}").status());
                }
                ApiClient.Response search = two.post("/v1/libraries/tls/search",
                        "{\"vector\": [1, 0], \"k\": 12, \"allowPartial\": false}");
                assertEquals(200, search.status(), search.body().toString());
                assertFalse(search.body().get("partial").asBoolean(), search.body().toString());
                assertEquals(4, search.body().get("answeredShards").size(), search.body().toString());
                assertEquals(12, search.body().get("results").size(), search.body().toString());
                assertEquals(12, two.get("/v1/libraries/tls").body().get("documentCount").asInt());
            }
        }
    }

    /** Until each instance has shards active (the second one's view). */
    private static void awaitShardsOnBoth(final ApiClient api) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        JsonNode cluster = null;
        while (System.nanoTime() < deadline) {
            cluster = api.get("/v1/cluster").body();
            if (cluster.path("state").asText().equals("RUNNING") && cluster.path("unassigned").isEmpty()
                    && cluster.path("instances").size() == 2
                    && !cluster.path("instances").get(0).path("active").isEmpty()
                    && !cluster.path("instances").get(1).path("active").isEmpty()) {
                return;
            }
            Pause.millis(200, "the shards to be shared");
        }
        assertTrue(false, "the shards were not shared by both instances: " + cluster);
    }
}
