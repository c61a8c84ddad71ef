package io.vectorstream.stream;

import io.vectorstream.embed.Models;
import io.vectorstream.schema.Limits;
import io.vectorstream.store.ChronicleShardStore;
import io.vectorstream.store.ShardStoreOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the topology: creates missing topics, then starts a Kafka Streams instance with the
 * product's defaults (exactly-once v2, state under the data directory).
 */
public final class IngestStreams implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestStreams.class);
    /** Kafka Streams' application id: the consumer group and the prefix of internal topics. */
    public static final String DEFAULT_APPLICATION_ID = "vectorstream";
    /** Kafka Streams threads of an instance unless its settings' overrides name another number. */
    public static final int DEFAULT_STREAM_THREADS = 2;
    /** How long an idle stream thread waits in poll (Kafka Streams' {@code poll.ms}; its default is 100). */
    static final long POLL_MS = 30;

    private final KafkaStreams streams;
    private final RestoreTracker restores;
    private final StreamThreadFailures threadFailures;
    private final InputEnds inputEnds;
    /** The embedding stage's model calls, beside the stream threads; stopped with the instance. */
    private final ExecutorService embeddingThreads;
    private final Settings settings;
    private final int shardCount;

    private IngestStreams(final KafkaStreams streams, final RestoreTracker restores,
                          final StreamThreadFailures threadFailures, final InputEnds inputEnds,
                          final ExecutorService embeddingThreads, final Settings settings, final int shardCount) {
        this.streams = streams;
        this.restores = restores;
        this.threadFailures = threadFailures;
        this.inputEnds = inputEnds;
        this.embeddingThreads = embeddingThreads;
        this.settings = settings;
        this.shardCount = shardCount;
    }

    /** The settings this instance runs with. */
    public Settings settings() {
        return settings;
    }

    /**
     * Settings of one instance.
     *
     * @param limits the sizes a record may take (the same on every instance: they decide what a replay builds)
     */
    public record Settings(String bootstrapServers, Path stateDir, String applicationServer, Topics topics,
                           String applicationId, int partitions, short replicationFactor,
                           ShardStoreOptions storeOptions, Models models, Limits limits,
                           Map<String, Object> overrides) {

        /** Defaults for a single-node setup: 3 partitions, one replica, no embedding models. */
        public static Settings of(final String bootstrapServers, final Path stateDir, final String applicationServer) {
            return new Settings(bootstrapServers, stateDir, applicationServer, Topics.DEFAULT, DEFAULT_APPLICATION_ID, 3,
                    (short) 1, ShardStoreOptions.DEFAULT, Models.none(), Limits.DEFAULT, Map.of());
        }

        public Settings withModels(final Models m) {
            return new Settings(bootstrapServers, stateDir, applicationServer, topics, applicationId, partitions,
                    replicationFactor, storeOptions, m, limits, overrides);
        }

        public Settings withTopics(final Topics t) {
            return new Settings(bootstrapServers, stateDir, applicationServer, t, applicationId, partitions,
                    replicationFactor, storeOptions, models, limits, overrides);
        }

        public Settings withApplicationId(final String id) {
            return new Settings(bootstrapServers, stateDir, applicationServer, topics, id, partitions,
                    replicationFactor, storeOptions, models, limits, overrides);
        }

        public Settings withStoreOptions(final ShardStoreOptions options) {
            return new Settings(bootstrapServers, stateDir, applicationServer, topics, applicationId, partitions,
                    replicationFactor, options, models, limits, overrides);
        }

        public Settings withLimits(final Limits l) {
            return new Settings(bootstrapServers, stateDir, applicationServer, topics, applicationId, partitions,
                    replicationFactor, storeOptions, models, l, overrides);
        }

        public Settings withReplicationFactor(final short factor) {
            return new Settings(bootstrapServers, stateDir, applicationServer, topics, applicationId, partitions,
                    factor, storeOptions, models, limits, overrides);
        }

        /**
         * Kafka Streams threads of this instance: {@code num.stream.threads} of the overrides, else
         * {@value #DEFAULT_STREAM_THREADS}. The embedding stage gets as many threads of its own.
         */
        public int streamThreads() {
            Object threads = overrides.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG);
            return threads == null ? DEFAULT_STREAM_THREADS : Integer.parseInt(threads.toString());
        }

        /**
         * What a plain Kafka client of the instance (an admin client, the API's producer) needs:
         * the bootstrap servers and the overrides every client knows (security, SASL, TLS).
         */
        public Map<String, Object> clientConfig() {
            return KafkaClients.config(bootstrapServers, overrides);
        }

        Properties streamsProperties() {
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
            if (replicationFactor != Replication.AUTO) { // else decided once the brokers are counted (start)
                props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replicationFactor);
            }
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            // Interactive queries read the stores directly; a short commit interval bounds how long
            // a write waits in an open transaction before other consumers see it.
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            // An idle stream thread commits and runs its wall-clock punctuations (watermarks out,
            // held watermarks in) only when poll returns: with Kafka Streams' 100 ms, a write waited
            // for with ?wait=true took 250-300 ms on one instance; with 30 ms, 100-150 ms (10 ms:
            // 90-130 ms, for twice the idle CPU). While records flow, polls return at once anyway.
            props.put(StreamsConfig.POLL_MS_CONFIG, POLL_MS);
            // Two threads, so that the embedding stage (CPU-bound in the model) and the shards'
            // indexing run side by side on a 2-core machine instead of taking turns.
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, DEFAULT_STREAM_THREADS);
            // A document may carry thousands of texts, embedded inside one exactly-once transaction:
            // Kafka Streams' 10 s transaction timeout would abort it (and retry it forever). 15 minutes
            // is the brokers' default ceiling (transaction.max.timeout.ms): about 10,000 texts of
            // 256 tokens on one core. Larger documents should be sent as chunk events.
            props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                    (int) Duration.ofMinutes(15).toMillis());
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG),
                    (int) Duration.ofMinutes(20).toMillis());
            // Dead letters copy whole events, which may be as large as the events topic allows, and add headers.
            props.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                    Topics.MAX_DEAD_LETTER_BYTES);
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), Topics.MAX_EVENT_BYTES);
            // Chunk and changelog records are about 1.7 KB with 384-d vectors: the default 16 KB batch
            // held nine, so the broker handled a produce per few records (bench durability: ingest
            // +30%, replay +35% with 256 KB). Batches still leave at each commit (100 ms).
            props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG),
                    256 * 1024);
            // No record may stop a stream thread (README "The pipeline's invariant").
            props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingFailures.class);
            // There are no global stores; set as Kafka Streams asks, or it warns at every thread start.
            props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
            props.put(ProcessingFailures.DEAD_LETTER_TOPIC_CONFIG, topics.deadLetter());
            props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, ProductionFailures.class);
            // The sources read bytes, which cannot fail to deserialise; should one ever, it is skipped and logged.
            props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                    LogAndContinueExceptionHandler.class);
            props.putAll(overrides);
            return props;
        }
    }

    /** Creates the topics if needed and starts the Streams instance (returns before it is RUNNING). */
    public static IngestStreams start(final Settings settings) {
        ChronicleShardStore.prepareInBackground(); // beside the topic checks below
        // Building the topology (schemas, validators: ~0.5 s of class loading on a cold JVM) needs
        // no broker: it runs while the topic checks below wait for theirs.
        CompletableFuture<Topology> topology =
                new CompletableFuture<>();
        InputEnds inputEnds = new AdminInputEnds(settings.clientConfig(), settings.topics().events());
        ExecutorService embeddingThreads = EventProcessor.embeddingThreads(settings.streamThreads());
        Thread.ofPlatform().daemon().name("topology-build").start(() -> {
            try {
                topology.complete(VectorstreamTopology.build(settings.topics(), settings.storeOptions(),
                        TextEmbedding.of(settings.models()), settings.limits(), inputEnds, embeddingThreads));
            } catch (RuntimeException | Error e) {
                topology.completeExceptionally(e);
            }
        });
        int shardCount;
        KafkaStreams streams;
        try {
            PreparedTopics prepared = prepareTopics(settings);
            shardCount = prepared.shardCount();
            Properties props = settings.streamsProperties();
            // Kafka Streams' changelogs and repartition topics as durable as ours.
            props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) prepared.replication().factor());
            props.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
                    prepared.replication().minInsync());
            props.putIfAbsent(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                    staticMemberId(settings.stateDir()));
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.streamThreads());
            streams = new KafkaStreams(built(topology), props);
        } catch (RuntimeException e) {
            inputEnds.close();
            embeddingThreads.shutdownNow();
            throw e;
        }
        RestoreTracker restores = new RestoreTracker();
        streams.setGlobalStateRestoreListener(restores);
        StreamThreadFailures threadFailures = new StreamThreadFailures();
        streams.setUncaughtExceptionHandler(threadFailures);
        try {
            streams.start();
        } catch (RuntimeException e) {
            streams.close(Duration.ofSeconds(10));
            inputEnds.close();
            embeddingThreads.shutdownNow();
            throw e;
        }
        return new IngestStreams(streams, restores, threadFailures, inputEnds, embeddingThreads, settings, shardCount);
    }

    /**
     * Creates missing topics, corrects and checks the configurations of existing ones; the number
     * of shards. What every instance does as it starts, and {@code vectorstream topics} alone.
     *
     * @throws Topics.MisconfiguredException naming a setting that an existing topic has wrong
     */
    public static PreparedTopics prepareTopics(final Settings settings) {
        try (Admin admin = Admin.create(settings.clientConfig())) {
            Replication replication = replication(admin, settings.replicationFactor());
            settings.topics().ensureExist(admin, settings.partitions(), replication);
            settings.topics().correctChangelogs(admin, settings.applicationId());
            settings.topics().verifyConfigs(admin, settings.bootstrapServers(), replication);
            return new PreparedTopics(settings.topics().shardCount(admin), replication);
        }
    }

    /**
     * What {@link #prepareTopics} found and chose.
     *
     * @param shardCount  partitions of the chunks topic: the shards
     * @param replication what the topics the application creates get (Kafka Streams' too)
     */
    public record PreparedTopics(int shardCount, Replication replication) {
    }

    /**
     * The replication {@code configured} comes to on the cluster {@code admin} reaches; with {@link
     * Replication#AUTO} on fewer brokers than a production deployment has, a warning says what that costs.
     */
    static Replication replication(final Admin admin, final short configured) {
        int brokers = Topics.onceTopicsAreKnown("describe the cluster",
                () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).size();
        Replication replication = Replication.forCluster(configured, brokers);
        if (configured == Replication.AUTO && replication.belowDefault()) {
            LOG.warn("the Kafka cluster has {} broker{}: new topics get {} replica{} (min.insync.replicas {}); with"
                    + " {} brokers they get {} (min.insync.replicas 2), and survive the loss of a broker", brokers,
                    brokers == 1 ? "" : "s", replication.factor(), replication.factor() == 1 ? "" : "s",
                    replication.minInsync(), Replication.DEFAULT_FACTOR, Replication.DEFAULT_FACTOR);
        }
        return replication;
    }

    private static Topology built(
            final CompletableFuture<Topology> topology) {
        try {
            return topology.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * The consumer group's static member id of the instance whose state is in {@code stateDir}
     * (made once, kept in {@code instance.id} there). Static membership lets a restarted instance
     * take back its partitions at once: a killed member would otherwise hold up the rebalance
     * until its session times out (45 s), and a restart is meant to be ready in seconds.
     */
    static String staticMemberId(final Path stateDir) {
        Path file = stateDir.resolve("instance.id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file).strip();
                if (id.matches("[A-Za-z0-9._-]{1,200}")) {
                    return id;
                }
            }
            Files.createDirectories(stateDir);
            String id = "vectorstream-" + UUID.randomUUID();
            Files.writeString(file, id);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the instance id in " + file, e);
        }
    }

    /** Records restored from changelogs into the stores named {@code storeName} since this instance started. */
    public long restoredRecords(final String storeName) {
        return restores.restoredRecords(storeName);
    }

    /**
     * Events the validation stage holds back for an embedding batch on this instance: their input
     * offsets may already be committed while their records have not reached the shards yet.
     */
    public long heldEvents() {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(
                    VectorstreamTopology.PENDING_EMBEDDING_STORE,
                    QueryableStoreTypes.<Long, byte[]>keyValueStore()))
                    .approximateNumEntries();
        } catch (InvalidStateStoreException notQueryableNow) {
            return -1;
        }
    }

    /** The events topic's end offsets, read in the background: what a consistency token may name. */
    public InputEnds inputEnds() {
        return inputEnds;
    }

    /** Stream threads that failed and were replaced since this instance started. */
    public long replacedThreads() {
        return threadFailures.replacedThreads();
    }

    /** Running, with no store still restoring: searches see all the data this instance hosts. */
    public boolean isReady() {
        return streams.state() == KafkaStreams.State.RUNNING && restores.restoring() == 0;
    }

    /** Whether the instance is alive: starting, rebalancing or running, but not failed or stopped. */
    public boolean isAlive() {
        return streams.state().isRunningOrRebalancing() || streams.state() == KafkaStreams.State.CREATED;
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** A client for the shards this instance hosts, and for where the others are. */
    public ShardClient shards() {
        return new ShardClient(streams, shardCount, settings.topics().chunks(), settings.applicationServer());
    }

    /**
     * Stops the instance and leaves the consumer group: otherwise Kafka Streams stays a member
     * until its session times out, and a restart waits that long for the rebalance.
     */
    @Override
    public void close() {
        // Start-up stores no task took hold their files open: closed before Kafka Streams lets go
        // of the state folder's lock, so that no other process opens those files meanwhile.
        ChronicleShardStore.closeStartupStoresNotTaken(settings.stateDir());
        threadFailures.close();
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        inputEnds.close();
        // After the tasks closed, which wait for their batches in flight.
        embeddingThreads.shutdownNow();
    }
}
