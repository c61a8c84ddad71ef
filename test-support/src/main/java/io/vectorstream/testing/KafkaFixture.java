package io.vectorstream.testing;

import io.vectorstream.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.utils.Utils;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A real Kafka broker for tests, shared by every test of the JVM: Testcontainers' Kafka where a
 * Docker engine runs, otherwise the in-process KRaft broker of {@link EmbeddedKafkaBroker}. The
 * same tests run on both. Tests keep out of each other's way with their own topic names and
 * application ids ({@link #uniqueName}).
 */
public final class KafkaFixture {

    private static String bootstrapServers;
    private static int counter;

    private KafkaFixture() {
    }

    /** The bootstrap address of the shared broker, starting it on first use. */
    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = dockerAvailable() ? startContainer() : startEmbedded();
        }
        return bootstrapServers;
    }

    /** A name no other test of this JVM uses. */
    public static synchronized String uniqueName(final String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + (++counter);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM exits
    private static String startContainer() {
        KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.0");
        kafka.start();
        return kafka.getBootstrapServers();
    }

    private static String startEmbedded() {
        try {
            Path dir = Files.createTempDirectory("vectorstream-test-kafka");
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir, 0);
            // The log folder goes after the broker has stopped writing to it.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                broker.close();
                try {
                    Utils.delete(dir.toFile());
                } catch (IOException e) {
                    System.err.println("could not delete " + dir + ": " + e);
                }
            }, "test-kafka-shutdown"));
            return broker.bootstrapServers();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
