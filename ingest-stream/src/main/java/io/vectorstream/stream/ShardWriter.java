package io.vectorstream.stream;

import io.vectorstream.metrics.PipelineMeters.DeadLetterCause;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.DocumentRecord;
import io.vectorstream.record.DocumentUpsert;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import io.vectorstream.store.IndexMemory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(ShardWriter.class);

    private final String storeName;
    private final InputEnds inputEnds;
    /**
     * Watermarks at or past the end of their input partition as last read, by partition and
     * offset, with when they came ({@link System#nanoTime}): applied once a reading shows the
     * partition reaching them, dropped when a reading begun after they came still does not
     * ({@link InputEnds}).
     */
    private final Map<Integer, TreeMap<Long, Long>> heldWatermarks = new HashMap<>();
    /** Held watermarks per partition at most; the smallest go first (a larger one applied covers them). */
    static final int MAX_HELD_WATERMARKS = 64;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Bytes, byte[]> store;
    /** The writes of the record being applied, handed to the store in one call. */
    private final List<KeyValue<Bytes, byte[]>> writes = new ArrayList<>();

    ShardWriter(final String storeName, final InputEnds inputEnds) {
        this.storeName = storeName;
        this.inputEnds = inputEnds;
    }

    @Override
    public void init(final ProcessorContext<byte[], byte[]> processorContext) {
        this.context = processorContext;
        this.store = processorContext.getStateStore(storeName);
        // The shard store trains, between records, the indexes its open left untrained (searching
        // exactly until then); with no records coming, an empty putAll once a second gives it the
        // writer thread. It applies nothing.
        processorContext.schedule(Duration.ofSeconds(1),
                PunctuationType.WALL_CLOCK_TIME, now -> store.putAll(List.of()));
        heldWatermarks.clear();
        processorContext.schedule(Duration.ofMillis(WATERMARK_CHECK_MS),
                PunctuationType.WALL_CLOCK_TIME, now -> applyConfirmedWatermarks());
    }

    /** How often held watermarks are checked against new readings of the input's ends. */
    static final long WATERMARK_CHECK_MS = 10;

    /**
     * Applies the held watermarks that a reading of the input's ends now covers, and drops those
     * that a reading begun after they came still does not: those were not written by the
     * validation stage, which only ever marks offsets it has read.
     */
    private void applyConfirmedWatermarks() {
        if (heldWatermarks.isEmpty()) {
            return;
        }
        long lastReading = inputEnds.lastReadingStartedAt();
        for (var it = heldWatermarks.entrySet().iterator(); it.hasNext(); ) {
            var held = it.next();
            int partition = held.getKey();
            TreeMap<Long, Long> offsets = held.getValue();
            long end = inputEnds.end(partition);
            Long reached = offsets.lowerKey(end);
            if (reached != null) {
                offsets.headMap(reached, true).clear();
                store.putAll(List.of(KeyValue.pair(Bytes.wrap(new RecordKey.WatermarkKey(partition).encode()),
                        RecordCodec.encodeOffset(reached))));
            }
            for (var past = offsets.entrySet().iterator(); past.hasNext(); ) {
                var watermark = past.next();
                if (lastReading - watermark.getValue() > 0) {
                    past.remove();
                    LOG.warn("a watermark for input partition {} at offset {} is past the partition's end ({}): not "
                            + "written by the validation stage; ignored", partition, watermark.getKey(), end);
                }
            }
            if (offsets.isEmpty()) {
                it.remove();
            } else {
                inputEnds.requestReading();
            }
        }
    }

    /**
     * Takes a watermark at once when the last reading of the input's ends covers it (the usual
     * case), else holds it for {@link #applyConfirmedWatermarks}.
     */
    private void watermark(final RecordKey.WatermarkKey key, final byte[] value) {
        long offset = RecordCodec.decodeOffset(value);
        if (offset < inputEnds.end(key.inputPartition())) {
            put(key.encode(), value);
            return;
        }
        TreeMap<Long, Long> held = heldWatermarks.computeIfAbsent(key.inputPartition(),
                p -> new TreeMap<>());
        held.putIfAbsent(offset, System.nanoTime());
        if (held.size() > MAX_HELD_WATERMARKS) {
            held.pollFirstEntry();
        }
        inputEnds.requestReading();
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
            requireWritesFit();
            store.putAll(writes);
        } catch (KafkaException kafkaError) {
            throw kafkaError;
        } catch (RuntimeException e) {
            var meta = context.recordMetadata().orElseThrow();
            if (e instanceof IndexMemory.OverBudget) {
                DeadLetterLog.SHARED.record(meta.topic() + "-" + meta.partition() + "@" + meta.offset(), e.getMessage());
            } else {
                LOG.error("cannot apply record {}-{}@{} to the shard store; sent to the dead-letter topic", meta.topic(),
                        meta.partition(), meta.offset(), e);
            }
            String reason = e instanceof IndexMemory.OverBudget overBudget
                    ? overBudget.getMessage() : "cannot apply to the shard store: " + e;
            DeadLetterCause cause = e instanceof IndexMemory.OverBudget
                    ? DeadLetterCause.INDEX_MEMORY : DeadLetterCause.SHARD_STORE;
            context.forward(DeadLetters.of(cause, record.key(), record.value(), record.timestamp(), reason, null,
                    meta.topic(), meta.partition(), meta.offset()), VectorstreamTopology.SHARD_DEAD_LETTER_SINK);
            // Still one call for the record, with nothing to write: the store marks it applied.
            writes.clear();
            store.putAll(writes);
        }
    }

    /**
     * Every write goes to the changelog as one record: one that the changelog would refuse must not
     * be written (a failed changelog write stops the stream thread, and the record would stop it
     * again at every restart). Records of the validation stage never come near; a record written to
     * the chunks topic by anyone else might.
     */
    private void requireWritesFit() {
        for (KeyValue<Bytes, byte[]> write : writes) {
            long bytes = (long) write.key.get().length + (write.value == null ? 0 : write.value.length);
            if (bytes > Topics.MAX_RECORD_BYTES) {
                throw new IllegalArgumentException("a write of " + bytes + " bytes, over the " + Topics.MAX_RECORD_BYTES
                        + " the changelog takes");
            }
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
                    // The library first: its index goes at once, whole, and its chunks' deletes then
                    // find none to take them out of one by one (a graph repairs itself around each
                    // node removed: for a large library that was minutes of the stream thread).
                    delete(Bytes.wrap(record.key()));
                    deleteAll(RecordKey.chunksOf(k.libraryId()));
                    deleteAll(RecordKey.documentsOf(k.libraryId()));
                    delete(Bytes.wrap(new RecordKey.IndexRequestKey(k.libraryId()).encode()));
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
            case RecordKey.WatermarkKey k -> watermark(k, value);
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

    private <T> T read(final RecordKey key, final Function<byte[], T> decoder) {
        byte[] bytes = store.get(Bytes.wrap(key.encode()));
        return bytes == null ? null : decoder.apply(bytes);
    }
}
