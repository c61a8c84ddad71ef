package io.vectorstream.stream;

import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How many copies the application's topics keep, and how many of them a write must reach: the
 * durability every topic it creates gets (its own and Kafka Streams' changelogs alike).
 *
 * @param factor     replicas of each partition
 * @param minInsync  {@code min.insync.replicas}: copies an acknowledged write (acks=all) is on.
 *                   2 of 3 survives a broker's loss without losing an acknowledged write and keeps
 *                   accepting writes while one broker is down
 */
public record Replication(short factor, int minInsync) {

    /** {@code kafka.replication} that means: as many as the cluster allows, up to {@link #DEFAULT_FACTOR}. */
    public static final short AUTO = 0;
    /** Replicas of a production deployment: three brokers, one may be lost. */
    public static final short DEFAULT_FACTOR = 3;

    public Replication {
        if (factor < 1 || minInsync < 1 || minInsync > factor) {
            throw new IllegalArgumentException("replication " + factor + " with min.insync.replicas " + minInsync);
        }
    }

    /**
     * The replication for a cluster of {@code brokers} brokers: {@code configured}, or with {@link
     * #AUTO} the default factor where there are enough brokers and all of them where there are not;
     * {@code min.insync.replicas} one less than the factor, between 1 and 2.
     *
     * @throws IllegalStateException when more replicas are configured than there are brokers
     */
    public static Replication forCluster(final short configured, final int brokers) {
        short factor = configured == AUTO ? (short) Math.max(1, Math.min(DEFAULT_FACTOR, brokers)) : configured;
        if (factor > brokers) {
            throw new IllegalStateException("kafka.replication is " + factor + " but the cluster has " + brokers
                    + " broker" + (brokers == 1 ? "" : "s") + ": a topic cannot have more replicas than brokers");
        }
        return new Replication(factor, Math.max(1, Math.min(2, factor - 1)));
    }

    /** Whether this is less than a production deployment keeps ({@value #DEFAULT_FACTOR} replicas). */
    public boolean belowDefault() {
        return factor < DEFAULT_FACTOR;
    }

    /** The topic configuration that goes with it. */
    Map<String, String> topicConfigs() {
        return Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInsync));
    }
}
