package io.vectorstream.store;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStoreContext;

/**
 * The Kafka side of one shard store while it opens: its application's configuration and id, its
 * changelog partition, and one admin client, made on first use and shared by the checks that need
 * the broker ({@link ChangelogIdentity}, {@link UncleanReopen}).
 */
final class ShardKafka implements AutoCloseable {

    private final StreamsConfig config;
    private final TopicPartition changelog;
    private Admin admin;

    ShardKafka(final StreamsConfig config, final TopicPartition changelog) {
        this.config = config;
        this.changelog = changelog;
    }

    static ShardKafka of(final StateStoreContext context, final String storeName) {
        StreamsConfig config = new StreamsConfig(context.appConfigs());
        String applicationId = config.getString(StreamsConfig.APPLICATION_ID_CONFIG);
        return new ShardKafka(config, new TopicPartition(applicationId + "-" + storeName + "-changelog",
                context.taskId().partition()));
    }

    StreamsConfig config() {
        return config;
    }

    String applicationId() {
        return config.getString(StreamsConfig.APPLICATION_ID_CONFIG);
    }

    /** The store's changelog partition (Kafka Streams names it {@code <application id>-<store>-changelog}). */
    TopicPartition changelog() {
        return changelog;
    }

    Admin admin() {
        if (admin == null) {
            admin = Admin.create(config.getAdminConfigs("vectorstream-shard-store"));
        }
        return admin;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
