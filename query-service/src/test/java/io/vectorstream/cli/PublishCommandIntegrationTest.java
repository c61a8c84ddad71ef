package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vectorstream.stream.KafkaClients;
import io.vectorstream.testing.KafkaFixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code publish} with sends in flight still prints one token per event in input order, each the
 * position its event landed at (real broker; the topic is created on first use by the test).
 */
@Tag("integration")
class PublishCommandIntegrationTest {

    @Test
    void tokensComeOutInInputOrderAndNameWhereEachEventLanded() throws Exception {
        String topic = KafkaFixture.uniqueName("publish");
        try (Admin admin = Admin.create(
                Map.of("bootstrap.servers", KafkaFixture.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 2_500; i++) {
            lines.append("{\"type\":\"chunk.deleted\",\"libraryId\":\"l\",\"documentId\":\"d\",\"chunkId\":\"c")
                    .append(i).append("\"}\n");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PublishCommand.run(KafkaClients.config(KafkaFixture.bootstrapServers(), Map.of()), topic,
                new ByteArrayInputStream(lines.toString().getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        List<String> tokens = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2_500, tokens.size());

        List<ConsumerRecord<String, String>> records = KafkaFixture.readAll(KafkaFixture.bootstrapServers(), topic);
        List<String> landed = records.stream().map(r -> r.partition() + ":" + r.offset()).toList();
        List<String> values = records.stream().map(ConsumerRecord::value).toList();
        assertEquals(lines.toString().lines().toList(), values, "the events, in input order");
        assertEquals(landed, tokens, "each token is where its event landed");
    }
}
