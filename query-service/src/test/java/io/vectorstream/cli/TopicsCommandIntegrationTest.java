package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.stream.Topics;
import io.vectorstream.testing.KafkaFixture;
import io.vectorstream.util.Directories;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code topics}: creates the application's topics as serve would, again changes nothing, and refuses wrong ones. */
@Tag("integration")
class TopicsCommandIntegrationTest {

    @Test
    void createsTheTopicsOnceAndNamesAWrongSettingOfAnExistingOne() throws Exception {
        String prefix = KafkaFixture.uniqueName("topics");
        Topics topics = new Topics(prefix + ".events", prefix + ".chunks", prefix + ".events.dlq");
        ServiceConfig config = Main.config(new Options(List.of("--kafka", KafkaFixture.bootstrapServers(),
                "--partitions", "5"), Set.of("kafka", "partitions"), Set.of()), Map.of());
        for (int run = 0; run < 2; run++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            TopicsCommand.run(config, topics, new PrintStream(out, true, StandardCharsets.UTF_8));
            String printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("(5 shards)"), printed);
            assertTrue(printed.contains("1 replicas, min.insync.replicas 1"), "auto on one broker: " + printed);
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaFixture.bootstrapServers()))) {
            Map<String, TopicDescription> described = admin.describeTopics(List.of(topics.events(), topics.chunks(),
                    topics.deadLetter())).allTopicNames().get();
            assertEquals(5, described.get(topics.events()).partitions().size());
            assertEquals(5, described.get(topics.chunks()).partitions().size());

            // An events topic someone made with a retention limit: replay could not rebuild from it.
            String other = KafkaFixture.uniqueName("topics-bad");
            admin.createTopics(List.of(new NewTopic(other + ".events", 1, (short) 1)
                    .configs(Map.of("retention.ms", "60000")))).all().get();
            Topics wrong = new Topics(other + ".events", other + ".chunks", other + ".events.dlq");
            Topics.MisconfiguredException refused = assertThrows(Topics.MisconfiguredException.class,
                    () -> TopicsCommand.run(config, wrong, new PrintStream(new ByteArrayOutputStream(), true,
                            StandardCharsets.UTF_8)));
            assertTrue(refused.getMessage().contains("retention.ms"), refused.getMessage());
        }
    }

    @Test
    void everyClientTakesTheConfiguredClientProperties() throws Exception {
        // A value Kafka refuses proves the setting reaches the client (a SASL broker is not at hand).
        Path file = Files.writeString(Directories.temporary("client-properties").resolve("client.properties"),
                "security.protocol=PIGEON\n");
        ServiceConfig config = Main.config(new Options(List.of("--kafka", KafkaFixture.bootstrapServers(),
                "--config", Files.writeString(file.resolveSibling("settings.yaml"),
                        "kafka:\n  client-properties: \"" + file + "\"\n").toString()),
                Set.of("kafka", "config"), Set.of()), Map.of());
        Topics topics = new Topics("never.events", "never.chunks", "never.events.dlq");
        RuntimeException refused = assertThrows(RuntimeException.class, () -> TopicsCommand.run(config, topics,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        String chain = "";
        for (Throwable t = refused; t != null; t = t.getCause()) {
            chain += t.getMessage() + " / ";
        }
        assertTrue(chain.contains("PIGEON"), chain);
    }
}
