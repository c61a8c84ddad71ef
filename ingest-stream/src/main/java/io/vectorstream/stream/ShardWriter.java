package io.vectorstream.stream;

import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.DocumentRecord;
import io.vectorstream.record.DocumentUpsert;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The second sub-topology's processor: applies the records of one {@code vectorstream.chunks}
 * partition to its shard store. Deletes cascade (a library takes its documents and chunks along, a
 * document its chunks); a chunk written to a document the shard does not have creates the document
 * with empty metadata; re-writes keep a record's creation time.
 *
 * <p>A record's writes are collected and given to the store in one {@code putAll}: the store then
 * knows which input records it holds whole ({@code ApplyProgress}). No read of a record depends on
 * an earlier write of the same record, so collecting them changes nothing else.
 */
final class ShardWriter implements Processor<byte[], byte[], byte[], byte[]> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ShardWriter.class);

    private final String storeName;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Bytes, byte[]> store;
    /** The writes of the record being applied, handed to the store in one call. */
    private final List<KeyValue<Bytes, byte[]>> writes = new ArrayList<>();

    ShardWriter(final String storeName) {
        this.storeName = storeName;
    }

    @Override
    public void init(final ProcessorContext<byte[], byte[]> processorContext) {
        this.context = processorContext;
        this.store = processorContext.getStateStore(storeName);
        // The shard store trains, between records, the indexes its open left untrained (searching
        // exactly until then); with no records coming, an empty putAll once a second gives it the
        // writer thread. It applies nothing.
        processorContext.schedule(java.time.Duration.ofSeconds(1),
                org.apache.kafka.streams.processor.PunctuationType.WALL_CLOCK_TIME, now -> store.putAll(List.of()));
    }

    /**
     * Applies one record; one that cannot be applied (a damaged record, a full store) goes to the
     * dead-letter topic with the reason, and the shard goes on with the next. Kafka's own errors
     * (fencing, a lost transaction) are not caught: Kafka Streams must handle those.
     */
    @Override
    public void process(final Record<byte[], byte[]> record) {
        writes.clear();
        try {
            apply(record);
            store.putAll(writes);
        } catch (org.apache.kafka.common.KafkaException kafkaError) {
            throw kafkaError;
        } catch (RuntimeException e) {
            var meta = context.recordMetadata().orElseThrow();
            LOG.error("cannot apply record {}-{}@{} to the shard store; sent to the dead-letter topic", meta.topic(),
                    meta.partition(), meta.offset(), e);
            context.forward(new Record<>(record.key(), record.value(), record.timestamp(),
                    DeadLetters.headers("cannot apply to the shard store: " + e, null, meta.topic(), meta.partition(),
                            meta.offset())), VectorstreamTopology.SHARD_DEAD_LETTER_SINK);
            // Still one call for the record, with nothing to write: the store marks it applied.
            writes.clear();
            store.putAll(writes);
        }
    }

    private void put(final byte[] key, final byte[] value) {
        writes.add(KeyValue.pair(Bytes.wrap(key), value));
    }

    private void delete(final Bytes key) {
        writes.add(KeyValue.pair(key, null));
    }

    private void apply(final Record<byte[], byte[]> record) {
        RecordKey key = RecordKey.decode(record.key());
        byte[] value = record.value();
        switch (key) {
            case RecordKey.LibraryKey k -> {
                if (value == null) {
                    deleteAll(RecordKey.chunksOf(k.libraryId()));
                    deleteAll(RecordKey.documentsOf(k.libraryId()));
                    delete(Bytes.wrap(new RecordKey.IndexRequestKey(k.libraryId()).encode()));
                    delete(Bytes.wrap(record.key()));
                } else {
                    LibraryRecord previous = read(key, RecordCodec::decodeLibrary);
                    put(record.key(), RecordCodec.encode(RecordCodec.decodeLibrary(value).updatedFrom(previous)));
                }
            }
            case RecordKey.DocumentKey k -> {
                if (value == null) {
                    deleteAll(RecordKey.chunksOf(k.libraryId(), k.documentId()));
                    delete(Bytes.wrap(record.key()));
                } else {
                    upsertDocument(k, RecordCodec.decodeDocumentUpsert(value));
                }
            }
            case RecordKey.ChunkKey k -> {
                if (value == null) {
                    delete(Bytes.wrap(record.key()));
                } else {
                    ChunkRecord chunk = RecordCodec.decodeChunk(value);
                    RecordKey.DocumentKey documentKey = new RecordKey.DocumentKey(k.libraryId(), k.documentId());
                    if (store.get(Bytes.wrap(documentKey.encode())) == null) {
                        put(documentKey.encode(), RecordCodec.encode(new DocumentRecord(
                                k.libraryId(), k.documentId(), "{}", chunk.version(), chunk.createdAt(),
                                chunk.updatedAt())));
                    }
                    ChunkRecord previous = read(key, RecordCodec::decodeChunk);
                    // A new chunk is stored as it came (re-encoding it gives the same bytes).
                    put(record.key(), previous == null ? value : RecordCodec.encode(chunk.updatedFrom(previous)));
                }
            }
            case RecordKey.WatermarkKey k -> put(record.key(), value);
            case RecordKey.IndexRequestKey k -> put(record.key(), value);
        }
    }

    private void upsertDocument(final RecordKey.DocumentKey key, final DocumentUpsert upsert) {
        DocumentRecord previous = read(key, RecordCodec::decodeDocument);
        put(key.encode(), RecordCodec.encode(upsert.document().updatedFrom(previous)));
        if (upsert.chunkIds() != null) {
            Set<String> kept = new HashSet<>(upsert.chunkIds());
            for (Bytes chunkKey : keysWithPrefix(RecordKey.chunksOf(key.libraryId(), key.documentId()))) {
                RecordKey.ChunkKey chunk = (RecordKey.ChunkKey) RecordKey.decode(chunkKey.get());
                if (!kept.contains(chunk.chunkId())) {
                    delete(chunkKey);
                }
            }
        }
    }

    private void deleteAll(final byte[] prefix) {
        keysWithPrefix(prefix).forEach(this::delete);
    }

    private List<Bytes> keysWithPrefix(final byte[] prefix) {
        List<Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, new ByteArraySerializer())) {
            it.forEachRemaining((KeyValue<Bytes, byte[]> kv) -> keys.add(kv.key));
        }
        return keys;
    }

    private <T> T read(final RecordKey key, final java.util.function.Function<byte[], T> decoder) {
        byte[] bytes = store.get(Bytes.wrap(key.encode()));
        return bytes == null ? null : decoder.apply(bytes);
    }
}
