package io.vectorstream.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
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
        // Right after the topic is created, the broker that answers may not know it yet: the
        // metadata of a new topic reaches brokers a moment later. Ask again for a few seconds.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return admin.describeTopics(List.of(chunks)).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get(chunks).partitions().size();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing " + chunks, e);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot describe topic " + chunks + ": " + e.getMessage(), e);
                }
                sleep(100);
            } catch (TimeoutException e) {
                throw new IllegalStateException("cannot describe topic " + chunks + ": " + e.getMessage(), e);
            }
        }
    }

    private static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for topic metadata", e);
        }
    }

    /**
     * Creates the topics that do not exist yet: events with unlimited retention, chunks compacted
     * (safe because each key names one record), the dead-letter topic with default retention.
     * Existing topics are left as they are.
     */
    public void ensureExist(final Admin admin, final int partitions, final short replicationFactor) {
        List<NewTopic> wanted = new ArrayList<>();
        wanted.add(new NewTopic(events, partitions, replicationFactor).configs(Map.of(
                TopicConfig.RETENTION_MS_CONFIG, "-1",
                TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_EVENT_BYTES))));
        wanted.add(new NewTopic(chunks, partitions, replicationFactor).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_EVENT_BYTES))));
        wanted.add(new NewTopic(deadLetter, partitions, replicationFactor).configs(Map.of(
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_EVENT_BYTES))));
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
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
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topics " + this + ": " + e.getMessage(), e);
        }
    }
}
