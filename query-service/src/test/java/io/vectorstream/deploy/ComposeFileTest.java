package io.vectorstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml as docker-compose reads it ({@code docker-compose config}, where it is
 * installed: CI installs Debian's): a topic step before two instances of one application that
 * share a secret, each with its own port, volume and advertised name, health checks, restarts.
 * The stack itself runs in scripts/compose-smoke-test.sh, where a container engine is.
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theStackIsATopicStepAndTwoInstancesOfOneDatabase() throws Exception {
        JsonNode services = compose().get("services");
        JsonNode topics = services.get("topics");
        assertTrue(topics.get("command").toString().contains("topics"), topics.toString());
        assertEquals("service_healthy", topics.at("/depends_on/kafka/condition").asText());
        Set<String> ports = new HashSet<>();
        Set<String> volumes = new HashSet<>();
        String secret = null;
        for (String name : List.of("vectorstream-1", "vectorstream-2")) {
            JsonNode instance = services.get(name);
            assertEquals("service_completed_successfully", instance.at("/depends_on/topics/condition").asText(), name);
            assertEquals("unless-stopped", instance.get("restart").asText(), name);
            assertTrue(instance.at("/healthcheck/test").toString().contains("/observe/health/ready"), name);
            String command = instance.get("command").toString();
            assertTrue(command.contains("\"--advertised-host\",\"" + name + "\""), name + ": " + command);
            ports.add(instance.get("ports").get(0).toString());
            volumes.add(instance.get("volumes").get(0).toString());
            assertTrue(instance.get("volumes").toString().contains("/keys"), name + " shares the keys volume");
            assertEquals("/keys/api-keys.json", instance.at("/environment/VECTORSTREAM_SECURITY_API_KEYS_FILE").asText());
            JsonNode environment = instance.get("environment");
            String mine = environment.get("VECTORSTREAM_CLUSTER_SECRET").asText();
            assertFalse(mine.isBlank(), name + " has a cluster secret");
            assertTrue(secret == null || secret.equals(mine), "one secret for both");
            secret = mine;
            assertEquals("kafka:9092", environment.get("VECTORSTREAM_KAFKA_BOOTSTRAP").asText(), name);
        }
        assertEquals(2, ports.size(), "each instance on its own host port: " + ports);
        assertEquals(2, volumes.size(), "each instance with its own state: " + volumes);
        assertTrue(services.at("/kafka/volumes").toString().contains("/var/lib/kafka/data"), "Kafka's log in a volume");

        // --scale: instances that advertise their own address, on host ports and state of their own.
        JsonNode more = services.get("vectorstream-more");
        assertEquals("scale", more.at("/profiles/0").asText(), "started only with --profile scale");
        assertTrue(more.at("/command/0").asText().contains("--advertised-host \"$$(hostname -i"), more.toString());
        JsonNode port = more.at("/ports/0"); // "8080" as written, {target: 8080} as docker-compose prints it
        assertTrue(port.isObject() ? port.path("target").asInt() == 8080 && !port.has("published")
                : port.asText().equals("8080"), "no fixed host port: " + more.get("ports"));
        assertFalse(more.get("volumes").toString().contains("/data"), "no shared state volume: " + more.get("volumes"));
        assertEquals(secret, more.at("/environment/VECTORSTREAM_CLUSTER_SECRET").asText(), "the same secret");
    }

    /**
     * The file as docker-compose resolves it, or where docker-compose is not installed as YAML
     * with its anchors and merge keys resolved (SnakeYAML, as docker-compose's own parser does).
     */
    private static JsonNode compose() throws IOException, InterruptedException {
        if (onPath("docker-compose")) {
            Process process = new ProcessBuilder("docker-compose", "-f", ROOT.resolve("docker-compose.yml").toString(),
                    "config").redirectErrorStream(false).start();
            byte[] out = process.getInputStream().readAllBytes();
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "docker-compose config did not end");
            assertEquals(0, process.exitValue(), "docker-compose config refuses the file: " + err);
            return tree(new String(out, StandardCharsets.UTF_8));
        }
        return tree(Files.readString(ROOT.resolve("docker-compose.yml")));
    }

    private static JsonNode tree(final String yaml) {
        Object loaded = new Yaml(new LoaderOptions()).load(yaml);
        return new ObjectMapper().valueToTree(loaded);
    }

    private static boolean onPath(final String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
