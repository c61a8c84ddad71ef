package io.vectorstream.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.testing.KafkaFixture;
import io.vectorstream.util.Pause;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** The decision about a killed process's shard file, against a real broker. */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own topics and state: runs beside other tests
class UncleanReopenIntegrationTest {

    /**
     * A process killed inside a transaction that also commits its input offsets leaves them
     * pending: a stable read of the group's offsets leaves the partition out until the transaction
     * ends. The decision waits for that instead of taking it for "nothing committed" (which threw
     * the file away and restored the whole shard from the changelog). Kafka Streams' start-up
     * opens cannot wait: only a stream thread ends that transaction, and none has started yet.
     */
    @Test
    void aPendingOffsetCommitIsWaitedForNotTakenForNoCommit() throws Exception {
        String applicationId = KafkaFixture.uniqueName("reopen");
        TopicPartition input = new TopicPartition(applicationId + ".chunks", 0);
        TopicPartition changelog = new TopicPartition(applicationId + "-shards-changelog", 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                KafkaFixture.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(input.topic(), 1, (short) 1),
                    new NewTopic(changelog.topic(), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<byte[], byte[]> plain = producer(null)) {
                for (int i = 0; i < 5; i++) {
                    plain.send(new ProducerRecord<>(input.topic(), 0, null, new byte[] {(byte) i}));
                }
                plain.send(new ProducerRecord<>(changelog.topic(), 0, new byte[] {1}, new byte[] {1}));
                plain.flush();
            }
            admin.alterConsumerGroupOffsets(applicationId, Map.of(input, new OffsetAndMetadata(3)))
                    .all().get(30, TimeUnit.SECONDS);

            try (KafkaProducer<byte[], byte[]> killed = producer(applicationId + "-killed")) {
                killed.initTransactions();
                killed.beginTransaction();
                killed.sendOffsetsToTransaction(Map.of(input, new OffsetAndMetadata(5)),
                        new ConsumerGroupMetadata(applicationId));
                killed.flush(); // the offsets are now pending in an open transaction

                ApplyProgress.Snapshot applied = new ApplyProgress.Snapshot(ApplyProgress.currentBootId().orElseThrow(),
                        input.topic(), input.partition(), 4);
                Properties config = new Properties();
                config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
                config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers());
                try (ShardKafka kafka = new ShardKafka(new StreamsConfig(config), changelog)) {
                    // Kafka Streams' start-up opens come before any stream thread could end the transaction.
                    long start = System.nanoTime();
                    UncleanReopen.Decision atStartup = UncleanReopen.decide(applied, kafka, false);
                    assertTrue(atStartup.deferred(), "a start-up open leaves the decision to the task's open");
                    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "without waiting");
                    assertEquals(Map.of(changelog, 0L), atStartup.outcome().offsets(), "offsets to weigh the lag by");
                }
                CompletableFuture<UncleanReopen.Decision> deciding = CompletableFuture.supplyAsync(() -> {
                    try (ShardKafka kafka = new ShardKafka(new StreamsConfig(config), changelog)) {
                        return UncleanReopen.decide(applied, kafka, true);
                    }
                });
                Pause.millis(1_500, "the test");
                assertFalse(deciding.isDone(), "waits while the offset commit is pending");

                killed.abortTransaction(); // as the coordinator does once the transaction times out
                UncleanReopen.Decision decision = deciding.get(60, TimeUnit.SECONDS);
                assertFalse(decision.deferred());
                assertTrue(decision.outcome().trusted(), "reopened: " + decision.outcome().problem());
                assertEquals(Map.of(changelog, 0L), decision.outcome().offsets(), "the changelog's last record");
                assertTrue(decision.reprocesses(), "records 3 and 4 are applied, and processed again");
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(final String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers());
        if (transactionalId != null) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
