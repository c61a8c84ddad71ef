package io.vectorstream.stream;

import io.vectorstream.embed.Models;
import io.vectorstream.schema.Limits;
import io.vectorstream.store.ShardStoreOptions;
import io.vectorstream.testing.KafkaFixture;
import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A running topology on the shared test broker with topics and application id of its own, and a
 * plain producer to publish events to it.
 */
public final class PipelineHarness implements AutoCloseable {

    private final IngestStreams ingest;
    private final KafkaProducer<byte[], byte[]> producer;
    private final IngestStreams.Settings settings;

    private PipelineHarness(final IngestStreams.Settings settings) {
        this.settings = settings;
        this.ingest = IngestStreams.start(settings);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_EVENT_BYTES); // as large as the topic takes
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Starts a pipeline without embedding models, on topics of its own, and waits until it runs. */
    public static PipelineHarness start() {
        return start(Models.none());
    }

    /** Starts a pipeline with these models, on topics of its own, and waits until it runs. */
    public static PipelineHarness start(final Models models) {
        String name = KafkaFixture.uniqueName("pipeline");
        return startOn(new Topics(name + ".events", name + ".chunks", name + ".events.dlq"), models);
    }

    /** Starts a pipeline without embedding models, with these limits, on topics of its own, and waits until it runs. */
    public static PipelineHarness start(final Limits limits) {
        String name = KafkaFixture.uniqueName("pipeline");
        return startWith(settingsOn(new Topics(name + ".events", name + ".chunks", name + ".events.dlq"),
                Models.none()).withLimits(limits));
    }

    /**
     * Starts another application (own id, own state) over the events of existing topics: it
     * replays them from the beginning. Its internal chunks topic is its own too.
     */
    public static PipelineHarness startOn(final Topics topics, final Models models) {
        return startWith(settingsOn(topics, models));
    }

    private static IngestStreams.Settings settingsOn(final Topics topics, final Models models) {
        String name = KafkaFixture.uniqueName("pipeline");
        Path stateDir = Directories.temporary("vectorstream-state");
        IngestStreams.Settings settings = IngestStreams.Settings.of(KafkaFixture.bootstrapServers(), stateDir,
                        "127.0.0.1:1")
                .withTopics(new Topics(topics.events(), name + ".chunks", topics.deadLetter()))
                .withApplicationId(name)
                .withStoreOptions(ShardStoreOptions.SMALL)
                .withModels(models);
        return settings;
    }

    /** Starts an instance with exactly these settings and waits until it runs. */
    public static PipelineHarness startWith(final IngestStreams.Settings settings) {
        PipelineHarness harness = new PipelineHarness(settings);
        harness.awaitRunning(Duration.ofSeconds(60));
        return harness;
    }

    public IngestStreams.Settings settings() {
        return settings;
    }

    public Topics topics() {
        return settings.topics();
    }

    /** The local state folder of this application instance. */
    public Path stateDir() {
        return settings.stateDir();
    }

    /**
     * Starts this (closed) instance again with the same application id, topics and state folder,
     * as a restarted process would; waits until it runs.
     */
    public PipelineHarness restartClosed() {
        PipelineHarness restarted = new PipelineHarness(settings);
        restarted.awaitRunning(Duration.ofSeconds(60));
        return restarted;
    }

    public ShardClient shards() {
        return ingest.shards();
    }

    /** Records restored into the shard stores since this instance started. */
    public long restoredShardRecords() {
        return ingest.restoredRecords(VectorstreamTopology.SHARD_STORE);
    }

    public KafkaStreams streams() {
        return ingest.streams();
    }

    /** Stream threads that failed and were replaced since this instance started. */
    public long replacedThreads() {
        return ingest.replacedThreads();
    }

    void awaitRunning(final Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ingest.streams().state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("streams not running after " + timeout + ": " + ingest.streams().state());
            }
            sleep(20);
        }
    }

    /** Publishes raw bytes to the events topic; returns the token of that write. */
    public ConsistencyToken publish(final String key, final String value) {
        return publishBytes(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    public ConsistencyToken publishBytes(final byte[] key, final byte[] value) {
        try {
            RecordMetadata meta = producer.send(new ProducerRecord<>(topics().events(), key, value)).get();
            return ConsistencyToken.of(meta.partition(), meta.offset());
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("publish failed", e);
        }
    }

    /** Waits until every shard has applied the token. */
    public void await(final ConsistencyToken token) {
        if (!shards().awaitApplied(token, null, Duration.ofSeconds(30))) {
            throw new AssertionError("token " + token + " not applied in 30 s");
        }
    }

    /** Reads the dead-letter topic until it holds {@code expected} records (or 30 s pass). */
    public List<ConsumerRecord<byte[], byte[]>> deadLetters(final int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics().deadLetter())
                    .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    @Override
    public void close() {
        producer.close();
        ingest.close();
    }

    static void sleep(final long millis) {
        Pause.millis(millis, "the pipeline");
    }

    /** Minimal JSON builders for events in tests. */
    public static String library(final String id, final int dimension, final String metric) {
        return """
                {"type":"library.upserted","libraryId":"%s","payload":{"name":"%s","dimension":%d,"metric":"%s"}}"""
                .formatted(id, id, dimension, metric);
    }

    /**
     * Metadata of {@code keys} lists of 250 strings of 1,000 characters each: every value within
     * the schema, about 250 KB per key in all (60 keys: the 15 MB of the report that once stopped
     * the pipeline).
     */
    public static String largeMetadata(final int keys) {
        String list = "[" + String.join(",", Collections.nCopies(250, "\"" + "m".repeat(1_000) + "\"")) + "]";
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < keys; i++) {
            json.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(list);
        }
        return json.append('}').toString();
    }

    public static String chunk(final String lib, final String doc, final String chunk, final float[] vector,
                               final String text) {
        return """
                {"type":"chunk.upserted","libraryId":"%s","documentId":"%s","chunkId":"%s","payload":{"text":"%s","embedding":%s}}"""
                .formatted(lib, doc, chunk, text, Arrays.toString(vector));
    }

}
