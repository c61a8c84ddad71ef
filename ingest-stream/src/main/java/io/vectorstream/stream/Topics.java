package io.vectorstream.stream;

import io.vectorstream.util.Pause;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics of the product and their configurations.
 *
 * @param events     the input: every create, update and delete; kept forever so a replay rebuilds everything
 * @param chunks     validated records keyed by the one record each names, partitioned by library and document
 * @param deadLetter events that failed validation, with the reason in headers
 */
public record Topics(String events, String chunks, String deadLetter) {

    private static final Logger LOG = LoggerFactory.getLogger(Topics.class);

    /**
     * The largest record the events, chunks and dead-letter topics take (their
     * {@code max.message.bytes}, and the producers' {@code max.request.size}): a 16 MiB HTTP body
     * plus the envelope. The broker's default is about 1 MB.
     */
    public static final int MAX_EVENT_BYTES = 17 * 1024 * 1024;

    /** The default names. */
    public static final Topics DEFAULT = new Topics("vectorstream.events", "vectorstream.chunks",
            "vectorstream.events.dlq");

    /** How many partitions (shards) {@code vectorstream.chunks} has. */
    public int shardCount(final Admin admin) {
        return shardCount(admin, chunks);
    }

    /** How many partitions {@code topic} has. */
    int shardCount(final Admin admin, final String topic) {
        return onceTopicsAreKnown("describe topic " + topic, () -> admin.describeTopics(List.of(topic))
                .allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size());
    }

    /**
     * Runs an admin call, again for up to 10 s while it fails because the broker that answers
     * does not know a topic yet: the metadata of a just-created topic reaches brokers a moment
     * later.
     */
    static <T> T onceTopicsAreKnown(final String what, final AdminCalls.Call<T> call) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return call.call();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted: " + what, e);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot " + what + ": " + e.getMessage(), e);
                }
                Pause.millis(100, "topic metadata");
            } catch (TimeoutException e) {
                throw new IllegalStateException("cannot " + what + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The chunks topic's configuration: a log kept whole, not compacted. Its records are not
     * self-contained: a shard keeps a rewritten record's creation time from the version before it,
     * and deletes a document's or library's chunks by cascade, not by one tombstone per chunk; so
     * once compaction drops older versions and (after {@code delete.retention.ms}) tombstones, a
     * replay of the topic would resurrect deleted chunks and change creation times
     * (ChunksTopicReplayIntegrationTest had it do both). Restores read the changelogs, which are
     * compacted safely: they hold the shards' own writes, one per key.
     */
    static final Map<String, String> CHUNKS_CONFIGS = Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
            TopicConfig.RETENTION_MS_CONFIG, "-1",
            TopicConfig.RETENTION_BYTES_CONFIG, "-1",
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_EVENT_BYTES));

    /**
     * The largest dead letter: the largest event the events topic takes, its key, and the headers
     * that give the reason and the source. With the dead-letter topic at the events' own limit, a
     * bad event near that limit could not be written as a dead letter, and the failed send would
     * stop the stream thread, again at every restart.
     */
    public static final int MAX_DEAD_LETTER_BYTES = MAX_EVENT_BYTES + 1024 * 1024;

    /**
     * The dead-letter topic's configuration: kept forever, since a dead letter is an event to fix and
     * send again ({@code dlq replay}), and the broker's default (7 days) would drop it unseen. An
     * operator may set a retention on the topic; start-up corrects it only where it is the broker's
     * default ({@link #correctConfigs}).
     */
    static final Map<String, String> DEAD_LETTER_CONFIGS = Map.of(
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_DEAD_LETTER_BYTES),
            TopicConfig.RETENTION_MS_CONFIG, "-1",
            TopicConfig.RETENTION_BYTES_CONFIG, "-1");

    /**
     * The largest key and value a derived record may take: what the stream writes to the chunks
     * topic and the changelogs ({@code max.message.bytes} {@value #MAX_EVENT_BYTES}), less room for
     * the record batch's framing. The limits ({@link io.vectorstream.schema.Limits}) keep records far
     * below it; a record past it is a dead letter, never a send Kafka refuses.
     */
    public static final int MAX_RECORD_BYTES = MAX_EVENT_BYTES - 64 * 1024;

    /**
     * The configuration of a state store's changelog: large enough for the largest record the store
     * takes. The pending-embedding store holds whole events (and where they came from), as large as
     * the events topic takes; every other store holds derived records ({@link #MAX_RECORD_BYTES}).
     * The broker's default of about 1 MB would refuse a record the limits allow, and Kafka Streams
     * stops a stream thread whose changelog write fails.
     */
    public static Map<String, String> changelogConfigs(final String storeName) {
        int largest = VectorstreamTopology.PENDING_EMBEDDING_STORE.equals(storeName) ? MAX_DEAD_LETTER_BYTES
                : MAX_EVENT_BYTES;
        return Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(largest));
    }

    /** The name Kafka Streams gives the changelog of {@code storeName}. */
    public static String changelogOf(final String applicationId, final String storeName) {
        return applicationId + "-" + storeName + "-changelog";
    }

    /**
     * Raises the {@code max.message.bytes} of this application's existing changelogs to what
     * {@link #changelogConfigs} sets on new ones: changelogs made by an earlier version have the
     * broker's default, which a record the limits allow may pass. Kafka Streams does not change the
     * configuration of a topic that exists.
     */
    public void correctChangelogs(final Admin admin, final String applicationId) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            for (String store : VectorstreamTopology.STORES) {
                String changelog = changelogOf(applicationId, store);
                if (existing.contains(changelog)) {
                    correctConfigs(admin, changelog, changelogConfigs(store));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking changelogs", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot check the changelogs of " + applicationId + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * Sets a topic's configuration where it differs from {@code wanted} ({@code max.message.bytes}:
     * where it is smaller). For the chunks and dead-letter topics, which are derived and this
     * application's own: an older version made the chunks topic compacted and the dead-letter
     * topic smaller, so they are corrected rather than reported.
     */
    private void correctConfigs(final Admin admin, final String topic, final Map<String, String> wanted)
            throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        // Just made by another instance, the topic may not have reached the answering broker yet.
        Config current = onceTopicsAreKnown("describe topic " + topic,
                () -> admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource));
        List<AlterConfigOp> changes = new ArrayList<>();
        wanted.forEach((name, value) -> {
            ConfigEntry entry = current.get(name);
            boolean largeEnough = name.equals(TopicConfig.MAX_MESSAGE_BYTES_CONFIG) && entry != null
                    && Long.parseLong(entry.value()) >= Long.parseLong(value);
            // A dead-letter retention an operator chose is theirs; the broker's default is not a choice.
            boolean chosen = topic.equals(deadLetter) && entry != null && isRetention(name)
                    && entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG;
            if (!largeEnough && !chosen && (entry == null || !value.equals(entry.value()))) {
                changes.add(new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET));
            }
        });
        if (!changes.isEmpty()) {
            admin.incrementalAlterConfigs(Map.of(resource, changes)).all().get(30, TimeUnit.SECONDS);
            LOG.warn("corrected the configuration of {}: {}", topic, changes.stream()
                    .map(op -> op.configEntry().name() + "=" + op.configEntry().value()).toList());
        }
    }

    private static boolean isRetention(final String name) {
        return name.equals(TopicConfig.RETENTION_MS_CONFIG) || name.equals(TopicConfig.RETENTION_BYTES_CONFIG);
    }

    /** The configuration {@link #correctConfigs} keeps a topic of ours at, or {@code null} for the events topic. */
    private Map<String, String> correctedConfigs(final String topic) {
        return topic.equals(chunks) ? CHUNKS_CONFIGS : topic.equals(deadLetter) ? DEAD_LETTER_CONFIGS : null;
    }

    /**
     * Creates the topics that do not exist yet: events and chunks kept whole ({@link
     * #CHUNKS_CONFIGS}), the dead-letter topic kept whole too ({@link #DEAD_LETTER_CONFIGS}).
     * Existing topics are left as they are, except the chunks and dead-letter topics, whose
     * configurations are corrected.
     */
    public void ensureExist(final Admin admin, final int partitions, final Replication replication) {
        List<NewTopic> wanted = new ArrayList<>();
        wanted.add(new NewTopic(events, partitions, replication.factor()).configs(with(replication, Map.of(
                TopicConfig.RETENTION_MS_CONFIG, "-1",
                TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_EVENT_BYTES)))));
        wanted.add(new NewTopic(chunks, partitions, replication.factor()).configs(with(replication, CHUNKS_CONFIGS)));
        wanted.add(new NewTopic(deadLetter, partitions, replication.factor())
                .configs(with(replication, DEAD_LETTER_CONFIGS)));
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            for (String topic : List.of(chunks, deadLetter)) {
                if (existing.contains(topic)) {
                    correctConfigs(admin, topic, correctedConfigs(topic));
                }
            }
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                    LOG.info("created topic {}", entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    // Made meanwhile, or already there but not yet listed by the broker that
                    // answered listTopics: a topic of ours still gets its configuration checked.
                    if (correctedConfigs(entry.getKey()) != null) {
                        correctConfigs(admin, entry.getKey(), correctedConfigs(entry.getKey()));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topics " + this + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> with(final Replication replication, final Map<String, String> configs) {
        Map<String, String> all = new HashMap<>(configs);
        all.putAll(replication.topicConfigs());
        return all;
    }

    /**
     * Checks the configurations the product's guarantees rest on, for topics that existed before
     * (created by hand or by an older version):
     * <ul>
     *   <li>events: {@code cleanup.policy=delete} with {@code retention.ms=-1} and
     *       {@code retention.bytes=-1}: a replay must find every event, and compaction would keep
     *       only the last event per library key;</li>
     *   <li>chunks: corrected by {@link #ensureExist} instead;</li>
     *   <li>every topic: {@code max.message.bytes} at least {@value #MAX_EVENT_BYTES}, or large
     *       writes the HTTP API accepts would fail later;</li>
     *   <li>every topic: {@code min.insync.replicas} no more than its replicas, or every write
     *       (acks=all) would fail. Fewer replicas or in-sync replicas than {@code replication}
     *       asks for are logged as a warning: the data is there, only less safe.</li>
     * </ul>
     *
     * @throws MisconfiguredException naming every wrong setting, the value found, the value needed
     *                                and the command that fixes it
     */
    public void verifyConfigs(final Admin admin, final String bootstrapServers, final Replication replication) {
        List<ConfigResource> resources = List.of(events, chunks, deadLetter).stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList();
        Map<ConfigResource, Config> configs = onceTopicsAreKnown("read the configurations of " + this,
                () -> admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS));
        List<String> problems = eventRetentionProblems(configs.get(resources.get(0)));
        for (ConfigResource resource : resources) {
            require(problems, resource.name(), configs.get(resource), TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                    Integer.toString(MAX_EVENT_BYTES), value -> Long.parseLong(value) >= MAX_EVENT_BYTES,
                    "the HTTP API accepts writes this large");
        }
        Map<String, TopicDescription> descriptions = onceTopicsAreKnown("describe " + this,
                () -> admin.describeTopics(List.of(events, chunks, deadLetter)).allTopicNames().get(30, TimeUnit.SECONDS));
        for (ConfigResource resource : resources) {
            int replicas = descriptions.get(resource.name()).partitions().getFirst().replicas().size();
            ConfigEntry entry = configs.get(resource).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            int minInsync = entry == null ? 1 : Integer.parseInt(entry.value());
            if (minInsync > replicas) {
                problems.add(resource.name() + ": " + TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG + " is " + minInsync
                        + ", needs at most its " + replicas + " replicas (every write would fail)");
            } else if (replicas < replication.factor() || minInsync < replication.minInsync()) {
                LOG.warn("{} has {} replicas with min.insync.replicas {}; kafka.replication asks for {} with {}"
                        + " (an existing topic keeps what it has: kafka-reassign-partitions.sh and kafka-configs.sh"
                        + " change it)", resource.name(), replicas, minInsync, replication.factor(),
                        replication.minInsync());
            }
        }
        throwIfAny(problems, bootstrapServers);
    }

    /**
     * Checks that the events topic keeps every event (not compacted, no time or size limit), as
     * {@link #verifyConfigs} does, for the events topic alone.
     *
     * @throws MisconfiguredException naming each wrong setting and the command that fixes it
     */
    public void verifyEventRetention(final Admin admin, final String bootstrapServers) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, events);
        Config config = onceTopicsAreKnown("read the configuration of " + events,
                () -> admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource));
        throwIfAny(eventRetentionProblems(config), bootstrapServers);
    }

    private List<String> eventRetentionProblems(final Config eventConfig) {
        List<String> problems = new ArrayList<>();
        require(problems, events, eventConfig, TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.CLEANUP_POLICY_DELETE::equals, "a replay must find every event");
        require(problems, events, eventConfig, TopicConfig.RETENTION_MS_CONFIG, "-1", "-1"::equals,
                "a replay must find every event");
        require(problems, events, eventConfig, TopicConfig.RETENTION_BYTES_CONFIG, "-1", "-1"::equals,
                "a replay must find every event");
        return problems;
    }

    private static void throwIfAny(final List<String> problems, final String bootstrapServers) {
        if (!problems.isEmpty()) {
            throw new MisconfiguredException("topics exist with configurations that would lose data or writes:\n  "
                    + String.join("\n  ", problems) + "\nFix each with: kafka-configs.sh --bootstrap-server "
                    + bootstrapServers + " --alter --entity-type topics --entity-name TOPIC --add-config NAME=VALUE");
        }
    }

    private static void require(final List<String> problems, final String topic, final Config config,
                                final String name, final String wanted,
                                final Predicate<String> acceptable, final String why) {
        ConfigEntry entry = config == null ? null : config.get(name);
        String found = entry == null ? null : entry.value();
        if (found == null || !acceptable.test(found)) {
            problems.add(topic + ": " + name + " is " + found + ", needs " + wanted + " (" + why + ")");
        }
    }

    /** Existing topics whose configuration would lose data or writes; the message says how to fix them. */
    public static final class MisconfiguredException extends IllegalStateException {
        public MisconfiguredException(final String message) {
            super(message);
        }
    }
}
