package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.http.ApiClient;
import io.vectorstream.util.Directories;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * {@code rebuild} killed with SIGKILL in the middle of its replay, then run again at once: the
 * second run removes the members the killed one left in the group, completes, and the service
 * started afterwards holds exactly the chunks the events say (broker, service, rebuilds and test
 * in separate processes).
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own processes: runs beside other tests
class RebuildKillIntegrationTest {

    private static final int CHUNKS = 30_000;
    private static final int DOCUMENTS = 30;
    private static final int BUCKETS = 7;
    private static final int DIMENSION = 4;

    @Test
    void aRebuildKilledHalfWayIsCompletedByTheNextRun() throws Exception {
        Path data = Directories.temporary("vectorstream-rebuild-kill");
        int kafkaPort = CliProcess.freePort();
        int httpPort = CliProcess.freePort();
        String bootstrap = "127.0.0.1:" + kafkaPort;
        ApiClient api = new ApiClient(httpPort);
        Map<String, float[]> latest = new HashMap<>();
        Map<String, Integer> buckets = new HashMap<>();
        try (CliProcess broker = CliProcess.broker(data, kafkaPort)) {
            broker.awaitReady(Duration.ofMinutes(1));

            try (CliProcess service = CliProcess.serve(bootstrap, data, httpPort)) {
                service.awaitReady(Duration.ofMinutes(2));
                publish(bootstrap, latest, buckets);
                service.awaitChunkCount(api, count -> count == latest.size(), Duration.ofMinutes(2));
                service.stop(Duration.ofSeconds(60));
            }

            try (CliProcess first = rebuild(bootstrap, data)) {
                first.awaitOutput("replayed [1-9][0-9,]* / ", Duration.ofMinutes(2));
                first.kill();
                assertTrue(!first.output().contains("Rebuilt in"), "killed before it finished:\n" + first.output());
            }
            try (CliProcess second = rebuild(bootstrap, data)) {
                assertEquals(0, second.awaitExit(Duration.ofMinutes(3)), second.output());
                assertTrue(second.output().contains("members a killed process on this data folder left"),
                        second.output());
                assertTrue(second.output().contains("Rebuilt in"), second.output());
            }

            try (CliProcess service = CliProcess.serve(bootstrap, data, httpPort)) {
                service.awaitReady(Duration.ofMinutes(2));
                assertTrue(service.output().contains(": 0 shard records restored from changelogs."),
                        "the rebuild left its shards closed cleanly: " + service.output());
                service.awaitChunkCount(api, count -> count == latest.size(), Duration.ofMinutes(2));
                for (int d = 0; d < DOCUMENTS; d++) {
                    JsonNode page = api.get("/v1/libraries/lib/documents/d" + d + "/chunks?limit=1000&include=embedding").body();
                    for (JsonNode chunk : page.get("items")) {
                        float[] actual = new float[DIMENSION];
                        for (int i = 0; i < DIMENSION; i++) {
                            actual[i] = (float) chunk.get("embedding").get(i).asDouble();
                        }
                        String id = chunk.get("id").asText();
                        assertTrue(Arrays.equals(latest.get(id), actual), id + " is not its latest version");
                    }
                }
                KillRestartIntegrationTest.assertFilterCounts(api, buckets, BUCKETS);
                service.stop(Duration.ofSeconds(60));
            }
        }
    }

    private static CliProcess rebuild(final String bootstrap, final Path data) {
        return CliProcess.start("Resetting application", List.of("rebuild", "--kafka", bootstrap, "--data-dir",
                data.resolve("service").toString(), "--model-dir", data.resolve("no-models").toString()));
    }

    /**
     * A library and 30,000 chunk events, a tenth of them rewriting earlier chunks (with another
     * metadata {@code bucket}); records the latest vectors and buckets.
     */
    private static void publish(final String bootstrap, final Map<String, float[]> latest,
                                final Map<String, Integer> buckets) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>("vectorstream.events", "lib", """
                    {"type":"library.upserted","libraryId":"lib","payload":{"name":"lib","dimension":%d,"metric":"l2"}}"""
                    .formatted(DIMENSION)));
            Random random = new Random(8);
            for (int i = 0; i < CHUNKS; i++) {
                int n = i % 10 == 9 ? random.nextInt(i) : i;
                float[] vector = {random.nextFloat(), random.nextFloat(), random.nextFloat(), random.nextFloat()};
                latest.put("c" + n, vector);
                buckets.put("c" + n, i % BUCKETS);
                producer.send(new ProducerRecord<>("vectorstream.events", "lib", """
                        {"type":"chunk.upserted","libraryId":"lib","documentId":"d%d","chunkId":"c%d","payload":{"embedding":%s,"metadata":{"bucket":%d}}}"""
                        .formatted(n % DOCUMENTS, n, Arrays.toString(vector), i % BUCKETS)));
            }
        }
    }
}
