package io.vectorstream.store;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Supplies {@link ChronicleShardStore}s to Kafka Streams, which wraps each in its metered and
 * change-logging layers: the changelog and restoration come from Kafka Streams itself.
 */
public final class ShardStoreSupplier implements KeyValueBytesStoreSupplier {

    private final String name;
    private final ShardStoreOptions options;

    public ShardStoreSupplier(final String name, final ShardStoreOptions options) {
        this.name = name;
        this.options = options;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public KeyValueStore<Bytes, byte[]> get() {
        return new ChronicleShardStore(name, options);
    }

    @Override
    public String metricsScope() {
        return "chronicle-shard";
    }
}
