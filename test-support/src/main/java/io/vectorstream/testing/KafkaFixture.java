package io.vectorstream.testing;

import io.vectorstream.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
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

    /** Every record of {@code topic} now, from its start to its end, keys and values as UTF-8 text. */
    public static List<ConsumerRecord<String, String>> readAll(final String bootstrapServers, final String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
