package io.vectorstream.stream;

import io.vectorstream.schema.Limits;
import io.vectorstream.store.ShardStoreOptions;
import io.vectorstream.store.ShardStoreSupplier;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The topology, in two sub-topologies so that embedding and indexing scale and replay
 * independently:
 * <ol>
 *   <li>{@code events} -> validate and embed (texts without a vector, batched across events)
 *       -> {@code chunks} (partitioned by library + document, library records and watermarks
 *       multicast) or the dead-letter topic;</li>
 *   <li>{@code chunks} -> the shard store (Chronicle Map + in-memory indexes, changelogged).</li>
 * </ol>
 */
public final class VectorstreamTopology {

    /** The store of libraries, documents, chunks and indexes, queried over IQv2. */
    public static final String SHARD_STORE = "shards";
    /** The validation stage's view of libraries (dimension, metric), keyed like the events. */
    public static final String LIBRARY_SETTINGS_STORE = "library-settings";
    /** Events held by the validation stage until their texts are embedded together (changelogged). */
    public static final String PENDING_EMBEDDING_STORE = "pending-embedding";
    /** The validation stage's last processed and last watermarked input offset (cached: one changelog record per commit). */
    public static final String VALIDATION_PROGRESS_STORE = "validation-progress";

    /** Every state store of the topology (each has a changelog named after it). */
    static final List<String> STORES = List.of(SHARD_STORE, LIBRARY_SETTINGS_STORE,
            PENDING_EMBEDDING_STORE, VALIDATION_PROGRESS_STORE);

    static final String SHARDS_SINK = "to-shards";
    static final String DEAD_LETTER_SINK = "to-dead-letters";
    static final String SHARD_DEAD_LETTER_SINK = "shard-to-dead-letters";

    private VectorstreamTopology() {
    }

    /**
     * Builds the topology over the given topics.
     *
     * @param embedding the models that embed chunks sent with text only
     * @param limits    the sizes a record may take; larger ones are dead letters
     * @param inputEnds the events topic's ends, which the shards check watermarks against
     */
    public static Topology build(final Topics topics, final ShardStoreOptions storeOptions,
                                 final TextEmbedding embedding, final Limits limits,
                                 final InputEnds inputEnds) {
        return build(topics, storeOptions, embedding, limits, inputEnds, EventProcessor.embeddingThreads(2));
    }

    /**
     * As {@link #build(Topics, ShardStoreOptions, TextEmbedding, io.vectorstream.schema.Limits, InputEnds)},
     * with the threads that run the embedding stage's model calls (the caller stops them).
     */
    public static Topology build(final Topics topics, final ShardStoreOptions storeOptions,
                                 final TextEmbedding embedding, final Limits limits,
                                 final InputEnds inputEnds, final ExecutorService embeddingThreads) {
        ByteArraySerializer bytesOut = new ByteArraySerializer();
        ByteArrayDeserializer bytesIn = new ByteArrayDeserializer();
        Topology topology = new Topology();

        topology.addSource("events", bytesIn, bytesIn, topics.events());
        topology.addProcessor("validate", () -> new EventProcessor(LIBRARY_SETTINGS_STORE, PENDING_EMBEDDING_STORE,
                VALIDATION_PROGRESS_STORE, embedding, limits, embeddingThreads, inputEnds), "events");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(LIBRARY_SETTINGS_STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingEnabled(Topics.changelogConfigs(LIBRARY_SETTINGS_STORE)),
                "validate");
        // Cached: an event held and processed between two commits (the common case) is then never
        // written to the changelog; its put and delete meet in the cache, which drops both at flush.
        // What is still held at a commit is flushed before it, so a crash loses nothing. Keys are the
        // input offsets as 8 big-endian bytes (what Serdes.Long wrote, so existing changelogs read
        // the same), decoded by the processor: a forged record must not fail a read in Kafka's serde.
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PENDING_EMBEDDING_STORE),
                Serdes.ByteArray(), Serdes.ByteArray()).withCachingEnabled()
                .withLoggingEnabled(Topics.changelogConfigs(PENDING_EMBEDDING_STORE)), "validate");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(VALIDATION_PROGRESS_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled()
                .withLoggingEnabled(Topics.changelogConfigs(VALIDATION_PROGRESS_STORE)), "validate");
        topology.addSink(SHARDS_SINK, topics.chunks(), bytesOut, bytesOut, new ShardPartitioner(), "validate");

        topology.addSource("chunks", bytesIn, bytesIn, topics.chunks());
        topology.addProcessor("apply-to-shard", () -> new ShardWriter(SHARD_STORE, inputEnds), "chunks");
        topology.addStateStore(Stores.keyValueStoreBuilder(new ShardStoreSupplier(SHARD_STORE, storeOptions),
                Serdes.Bytes(), Serdes.ByteArray()).withCachingDisabled()
                .withLoggingEnabled(Topics.changelogConfigs(SHARD_STORE)), "apply-to-shard");
        // One dead-letter sink per sub-topology: a node shared by both would merge them into one.
        topology.addSink(DEAD_LETTER_SINK, topics.deadLetter(), bytesOut, bytesOut, "validate");
        topology.addSink(SHARD_DEAD_LETTER_SINK, topics.deadLetter(), bytesOut, bytesOut, "apply-to-shard");
        return topology;
    }
}
