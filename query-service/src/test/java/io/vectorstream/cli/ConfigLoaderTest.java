package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.config.Config;
import io.vectorstream.embed.Precision;
import io.vectorstream.embed.Models;
import io.vectorstream.schema.Limits;
import io.vectorstream.stream.IngestStreams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings' layers: the defaults of application.yaml, the command's, the user's file,
 * VECTORSTREAM_* variables, -Dvectorstream.* properties and flags, later winning; unknown keys
 * and values that do not fit are refused with the key's name.
 */
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static ServiceConfig typed(final Map<String, String> commandDefaults, final Path file,
                                       final Map<String, String> flags, final Map<String, String> environment,
                                       final Properties properties) {
        return ServiceConfig.from(ConfigLoader.load(commandDefaults, file, flags, environment, properties));
    }

    private static ServiceConfig defaults() {
        return typed(Map.of(), null, Map.of(), Map.of(), new Properties());
    }

    @Test
    void theDefaultsAreThoseOfApplicationYaml() {
        ServiceConfig config = defaults();
        assertEquals(Optional.empty(), config.kafka().bootstrap());
        assertEquals(3, config.kafka().partitions());
        assertEquals("0.0.0.0", config.http().host());
        assertEquals("localhost", config.http().advertisedHost());
        assertEquals(8080, config.http().port());
        assertEquals(64, config.http().maxConcurrentRequests());
        assertEquals(Path.of("data"), config.dataDir());
        assertEquals(2, config.streamThreads());
        assertEquals(16, config.model().batch());
        assertEquals(Optional.empty(), config.model().precision());
        assertEquals(1, config.modelHttpThreads(), "http-threads 0 means model.threads");
        assertEquals(Limits.DEFAULT, config.limits());
        assertEquals("warn", config.logging().level());
        assertTrue(config.dev().exampleData());
    }

    @Test
    void eachLayerOverridesTheOnesBeforeIt() throws IOException {
        Path file = Files.writeString(dir.resolve("settings.yaml"), """
                http:
                  port: 1001
                  host: "10.0.0.1"
                limits:
                  text-bytes: 1002
                stream:
                  threads: 3
                model:
                  precision: float32
                """);
        Properties properties = new Properties();
        properties.setProperty("vectorstream.limits.text-bytes", "1003");
        properties.setProperty("vectorstream.home", "/somewhere"); // the launcher's, not a setting
        ServiceConfig config = typed(Map.of("http.host", "127.0.0.1", "http.port", "1000"), file,
                Map.of("http.port", "1005"),
                Map.of("VECTORSTREAM_HTTP_PORT", "1004", "VECTORSTREAM_LIMITS_TEXT_BYTES", "1004",
                        "VECTORSTREAM_STREAM_THREADS", "4", "PATH", "/bin"),
                properties);
        assertEquals("10.0.0.1", config.http().host(), "the file over the command's default");
        assertEquals("10.0.0.1", config.http().advertisedHost());
        assertEquals(4, config.streamThreads(), "the environment over the file");
        assertEquals(1003, config.limits().textBytes(), "system properties over the environment");
        assertEquals(1005, config.http().port(), "flags over everything");
        assertEquals(Optional.of(Precision.FLOAT32), config.model().precision());
    }

    @Test
    void theVariableOfEarlierVersionsStillNamesTheBootstrap() {
        ServiceConfig config = typed(Map.of(), null, Map.of(), Map.of("VECTORSTREAM_KAFKA", "old:9092"), new Properties());
        assertEquals(Optional.of("old:9092"), config.kafka().bootstrap());
        ServiceConfig both = typed(Map.of(), null, Map.of(), Map.of("VECTORSTREAM_KAFKA", "old:9092",
                "VECTORSTREAM_KAFKA_BOOTSTRAP", "new:9092"), new Properties());
        assertEquals(Optional.of("new:9092"), both.kafka().bootstrap());
    }

    @Test
    void aFileNamedByTheEnvironmentIsRead() throws IOException {
        Path file = Files.writeString(dir.resolve("env.yaml"), "data-dir: /srv/vs\n");
        ServiceConfig config = typed(Map.of(), null, Map.of(), Map.of("VECTORSTREAM_CONFIG", file.toString()),
                new Properties());
        assertEquals(Path.of("/srv/vs"), config.dataDir());
    }

    @Test
    void unknownKeysAreRefusedWithTheirName() throws IOException {
        Path file = Files.writeString(dir.resolve("typo.yaml"), "limts:\n  text-bytes: 5\n");
        Options.UsageException inFile = assertThrows(Options.UsageException.class,
                () -> typed(Map.of(), file, Map.of(), Map.of(), new Properties()));
        assertTrue(inFile.getMessage().contains("limts.text-bytes"), inFile.getMessage());
        Options.UsageException inEnvironment = assertThrows(Options.UsageException.class,
                () -> typed(Map.of(), null, Map.of(), Map.of("VECTORSTREAM_PROT", "1"), new Properties()));
        assertTrue(inEnvironment.getMessage().contains("VECTORSTREAM_PROT"), inEnvironment.getMessage());
        Properties properties = new Properties();
        properties.setProperty("vectorstream.model.batchsize", "3");
        Options.UsageException inProperties = assertThrows(Options.UsageException.class,
                () -> typed(Map.of(), null, Map.of(), Map.of(), properties));
        assertTrue(inProperties.getMessage().contains("vectorstream.model.batchsize"), inProperties.getMessage());
        assertThrows(Options.UsageException.class,
                () -> typed(Map.of(), dir.resolve("missing.yaml"), Map.of(), Map.of(), new Properties()));
    }

    @Test
    void valuesThatDoNotFitNameTheirKey() {
        for (Map.Entry<String, String> bad : Map.of("http.port", "70000", "stream.threads", "0",
                "model.batch", "many", "logging.level", "loud", "dev.example-data", "maybe",
                "model.precision", "float8", "limits.text-bytes", "0").entrySet()) {
            Options.UsageException e = assertThrows(Options.UsageException.class,
                    () -> typed(Map.of(), null, Map.of(bad.getKey(), bad.getValue()), Map.of(), new Properties()),
                    bad.toString());
            assertTrue(e.getMessage().contains(bad.getKey().substring(bad.getKey().indexOf('.') + 1))
                    || e.getMessage().contains(bad.getKey()), e.getMessage());
        }
    }

    @Test
    void kafkaClientPropertiesComeFromTheirFileAndOnlySettingsEveryClientKnows() throws IOException {
        Path client = Files.writeString(dir.resolve("client.properties"), """
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                ssl.truststore.type=PKCS12
                ssl.truststore.location=/keys/truststore.p12
                """);
        ServiceConfig config = typed(Map.of(), null, Map.of(), Map.of("VECTORSTREAM_KAFKA_CLIENT_PROPERTIES",
                client.toString()), new Properties());
        assertEquals("SASL_SSL", config.kafka().clientProperties().get("security.protocol"));
        assertEquals(4, config.kafka().clientProperties().size());
        assertEquals(Map.of(), defaults().kafka().clientProperties());
        // Kafka Streams gets them as overrides, the plain clients (producer, admin) in their configuration.
        IngestStreams.Settings settings = Main.settings("broker:9093", config, "localhost:0", Models.none());
        assertEquals("SASL_SSL", settings.overrides().get("security.protocol"));
        assertEquals("SASL_SSL", settings.clientConfig().get("security.protocol"));
        assertEquals("broker:9093", settings.clientConfig().get("bootstrap.servers"));
        assertEquals(null, settings.clientConfig().get("num.stream.threads"), "no Streams setting for a plain client");
        assertEquals(0, defaults().kafka().replication(), "as many replicas as brokers, up to 3");

        for (String wrong : new String[] {"num.stream.threads=4", "bootstrap.servers=other:9092", "securty.protocol=SSL",
            "client.id=one-for-all"}) {
            Path file = Files.writeString(dir.resolve("wrong.properties"), wrong);
            Options.UsageException e = assertThrows(Options.UsageException.class, () -> typed(Map.of(), null,
                    Map.of(), Map.of("VECTORSTREAM_KAFKA_CLIENT_PROPERTIES", file.toString()), new Properties()));
            assertTrue(e.getMessage().startsWith("kafka.client-properties: ")
                    && e.getMessage().contains(wrong.substring(0, wrong.indexOf('='))), e.getMessage());
        }
        Options.UsageException missing = assertThrows(Options.UsageException.class, () -> typed(Map.of(), null,
                Map.of(), Map.of("VECTORSTREAM_KAFKA_CLIENT_PROPERTIES", dir.resolve("none").toString()),
                new Properties()));
        assertTrue(missing.getMessage().contains("cannot read"), missing.getMessage());
    }

    @Test
    void everyKeyHasItsVariable() {
        Config defaults = ConfigLoader.load(Map.of(), null, Map.of(), Map.of(), new Properties());
        assertEquals("VECTORSTREAM_LIMITS_INDEX_MEMORY_BYTES", ConfigLoader.variableOf("limits.index-memory-bytes"));
        assertEquals("2", defaults.get("stream.threads").asString().get());
    }
}
