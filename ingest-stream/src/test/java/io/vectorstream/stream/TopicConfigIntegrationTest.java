package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.testing.KafkaFixture;
import io.vectorstream.util.Pause;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Topic creation and the checks of existing topics, on a real broker. */
@Tag("integration")
class TopicConfigIntegrationTest {

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers()));
    }

    private static Topics uniqueTopics() {
        String prefix = KafkaFixture.uniqueName("topics");
        return new Topics(prefix + ".events", prefix + ".chunks", prefix + ".events.dlq");
    }

    /** A topic's setting, asked again while the answering broker does not know the new topic yet. */
    private static String config(final Admin admin, final String topic, final String name) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = Topics.onceTopicsAreKnown("describe " + topic,
                () -> admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource));
        return config.get(name).value();
    }

    /**
     * A topic's setting once it is {@code expected}, or what it still is after 10 s: a changed
     * configuration reaches the brokers' metadata a moment after the change is acknowledged.
     */
    static String configOnceChanged(final Admin admin, final String topic, final String name,
                                    final String expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String value = config(admin, topic, name);
        while (!expected.equals(value) && System.nanoTime() < deadline) {
            Pause.millis(100, "topic configuration");
            value = config(admin, topic, name);
        }
        return value;
    }

    @Test
    void createdTopicsHaveTheConfigurationsReplayAndRestoreNeed() throws Exception {
        Topics topics = uniqueTopics();
        try (Admin admin = admin()) {
            topics.ensureExist(admin, 3, new Replication((short) 1, 1));
            assertEquals("-1", config(admin, topics.events(), TopicConfig.RETENTION_MS_CONFIG));
            assertEquals("-1", config(admin, topics.events(), TopicConfig.RETENTION_BYTES_CONFIG));
            assertEquals("delete", config(admin, topics.events(), TopicConfig.CLEANUP_POLICY_CONFIG));
            assertEquals("delete", config(admin, topics.chunks(), TopicConfig.CLEANUP_POLICY_CONFIG));
            assertEquals("-1", config(admin, topics.chunks(), TopicConfig.RETENTION_MS_CONFIG));
            assertEquals("-1", config(admin, topics.chunks(), TopicConfig.RETENTION_BYTES_CONFIG));
            assertEquals(Integer.toString(Topics.MAX_DEAD_LETTER_BYTES),
                    config(admin, topics.deadLetter(), TopicConfig.MAX_MESSAGE_BYTES_CONFIG));
            assertDoesNotThrow(() -> topics.verifyConfigs(admin, "broker:9092", new Replication((short) 1, 1)));
        }
    }

    @Test
    void existingTopicsThatWouldLoseDataAreReportedSettingBySetting() throws Exception {
        Topics topics = uniqueTopics();
        try (Admin admin = admin()) {
            // As someone might have made them by hand, or an older version: a week of events that
            // wants more in-sync replicas than it has, a compacted chunks topic.
            admin.createTopics(List.of(
                    new NewTopic(topics.events(), 3, (short) 1).configs(Map.of(
                            TopicConfig.RETENTION_MS_CONFIG, "604800000",
                            TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2",
                            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(Topics.MAX_EVENT_BYTES))),
                    new NewTopic(topics.chunks(), 3, (short) 1).configs(Map.of(
                            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(Topics.MAX_EVENT_BYTES))),
                    new NewTopic(topics.deadLetter(), 3, (short) 1).configs(Map.of(
                            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(Topics.MAX_EVENT_BYTES)))))
                    .all().get(30, TimeUnit.SECONDS);
            // Leaves the events topic as it is, corrects the (derived) chunks and dead-letter topics.
            topics.ensureExist(admin, 3, new Replication((short) 1, 1));
            assertEquals(Integer.toString(Topics.MAX_DEAD_LETTER_BYTES), configOnceChanged(admin, topics.deadLetter(),
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(Topics.MAX_DEAD_LETTER_BYTES)),
                    "a dead letter of the largest event, with its headers, fits");
            assertEquals("delete", configOnceChanged(admin, topics.chunks(), TopicConfig.CLEANUP_POLICY_CONFIG,
                    "delete"));
            assertEquals("-1", configOnceChanged(admin, topics.chunks(), TopicConfig.RETENTION_MS_CONFIG, "-1"));

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> topics.verifyConfigs(admin, "broker:9092", new Replication((short) 1, 1)));
            String message = e.getMessage();
            assertTrue(message.contains(topics.events() + ": retention.ms is 604800000, needs -1"), message);
            assertFalse(message.contains("retention.bytes"), "the broker default, -1, is fine: " + message);
            assertTrue(message.contains(topics.events() + ": min.insync.replicas is 2, needs at most its 1 replicas"),
                    "acks=all writes would all fail: " + message);
            assertFalse(message.contains(topics.chunks() + ":"), "the chunks topic was corrected: " + message);
            assertTrue(message.contains("kafka-configs.sh --bootstrap-server broker:9092"), message);
            assertFalse(message.contains(topics.deadLetter() + ":"), "the DLQ was corrected: " + message);
        }
    }
}
