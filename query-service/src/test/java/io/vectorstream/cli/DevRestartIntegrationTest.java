package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.embed.TestModel;
import io.vectorstream.http.ApiClient;
import io.vectorstream.util.Directories;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * `vectorstream dev` as a real process: example data on first start, and a restart after SIGTERM
 * keeps everything and reopens the shard files warm.
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own processes: runs beside other tests
class DevRestartIntegrationTest {

    @Test
    void aRestartedDevProcessKeepsItsData() throws Exception {
        Path dataDir = Directories.temporary("vectorstream-dev");
        int httpPort = CliProcess.freePort();
        int kafkaPort = CliProcess.freePort();
        ApiClient api = new ApiClient(httpPort);

        JsonNode before;
        String[] models = {"--model-dir", TestModel.dir().getParent().toString()};
        try (CliProcess first = CliProcess.dev(dataDir, httpPort, kafkaPort, models)) {
            first.awaitReady(Duration.ofMinutes(2));
            assertTrue(first.output().contains("127.0.0.1:" + kafkaPort), "prints the Kafka bootstrap address");
            String rebound = ApiClient.rawGet(httpPort, "/v1/libraries", "attacker.example");
            assertTrue(rebound.startsWith("HTTP/1.1 403") && rebound.contains("host_not_allowed"),
                    "dev answers its loopback names only (DNS rebinding): " + rebound);
            JsonNode example = api.get("/v1/libraries/example").body();
            assertEquals(ExampleData.chunkCount(), example.get("chunkCount").asInt(), example.toString());
            JsonNode search = api.post("/v1/libraries/example/search",
                    "{\"text\":\"how do satellites stay up\",\"k\":2}").body();
            assertEquals("orbits", search.get("results").get(0).get("chunkId").asText(), search.toString());

            assertEquals(201, api.post("/v1/libraries?wait=true",
                    "{\"id\":\"kept\",\"name\":\"Kept\",\"dimension\":2,\"metric\":\"l2\"}").status());
            assertEquals(201, api.put("/v1/libraries/kept/documents/d?wait=true",
                    "{\"chunks\":[{\"id\":\"c\",\"text\":\"survives\",\"embedding\":[3,4]}]}").status());
            before = api.get("/v1/libraries/kept").body();
            first.stop(Duration.ofSeconds(60));
        }

        try (CliProcess second = CliProcess.dev(dataDir, httpPort, kafkaPort, models)) {
            second.awaitReady(Duration.ofMinutes(2));
            assertFalse(second.output().contains("Created the example library"), "example data only when empty");
            assertTrue(second.output().contains(": 0 shard records restored from changelogs."),
                    "a restart after a clean stop reopens the shard files, replaying nothing: " + second.output());
            assertEquals(before, api.get("/v1/libraries/kept").body());
            assertEquals(ExampleData.chunkCount(), api.get("/v1/libraries/example").body().get("chunkCount").asInt());
            JsonNode night = api.post("/v1/libraries/example/search", "{\"text\":\"nocturnal birds\",\"k\":1}").body();
            assertEquals("owls", night.get("results").get(0).get("chunkId").asText(), night.toString());
            JsonNode chunk = api.get("/v1/libraries/kept/documents/d/chunks/c").body();
            assertEquals("survives", chunk.get("text").asText());
            JsonNode hit = api.post("/v1/libraries/kept/search", "{\"vector\":[0,0],\"k\":1}").body()
                    .get("results").get(0);
            assertEquals(5.0, hit.get("score").asDouble(), 1e-6, "l2 distance from the origin to (3,4)");
            second.stop(Duration.ofSeconds(60));
        }
    }
}
