package io.vectorstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.metrics.PipelineMeters.DeadLetterCause;
import io.vectorstream.metrics.PipelineMeters;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.Limits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first sub-topology's processor: validates each event of the input topic, embeds the texts
 * that came without a vector, sends what it writes to the shards, and rejected events to the
 * dead-letter topic, without ever stopping.
 *
 * <p><b>Embedding in batches across events.</b> A model embeds 32 texts together several times
 * faster than one by one, but most events carry one chunk. So an event with texts to embed is
 * held back until {@value EmbeddingBatcher#BATCH_TEXTS} texts are waiting, or an event that needs no model arrives
 * behind them, or the oldest held event was already held at the previous punctuation while the
 * model was idle (punctuations run every {@value #WATERMARK_INTERVAL_MS} ms); then the held
 * events are embedded in one model call per model and processed in their order. (Flushing at
 * every punctuation instead made batches of 1 to 7 texts under load: Kafka Streams feeds a slow
 * task a few records per loop and punctuates between them. Stream time and the thread's cached
 * clock are no use for an age either: both stand still during a long model call.) While anything
 * is held, every later event is held behind it, whether it needs the model or not, so the order of
 * events never changes. Under exactly-once, Kafka Streams may commit the input offset of a held
 * event before it is processed; that is why held events are also written to a changelogged store
 * (in the same transaction) and taken back from it after a crash: none is lost or processed twice.
 *
 * <p><b>Embedding beside the stream thread.</b> A batch is embedded on one of the process's
 * embedding threads (as many as stream threads), never on the stream thread: a model call of
 * ~100 ms there would starve every other task of that thread (the shard tasks this one feeds,
 * measured: they fell behind by thousands of records and caught up only when the input ran dry).
 * Meanwhile the task goes on reading and holding events, up to {@value EmbeddingBatcher#MAX_HELD_TEXTS} texts or
 * {@value EmbeddingBatcher#MAX_HELD_EVENTS} events, then waits for the model; Kafka Streams commits and runs the
 * other tasks. At most one batch per task is in flight; its events are forwarded, in order, on the
 * stream thread as soon as it is done (at the task's next event or punctuation), and the next
 * batch, if one is ready, goes to the model before that, so that the model does not wait while
 * they are forwarded. The model call touches no state of the task, and a task that stops waits for it.
 * {@link EmbeddingBatcher} keeps the held events and their batches.
 *
 * <p><b>Watermarks.</b> Every {@value #WATERMARK_INTERVAL_MS} ms, if it has processed anything new,
 * it publishes to every shard a record saying "input partition p is processed up to offset o"
 * (and at once, with a commit, for the first event after a quiet spell).
 * Under exactly-once it is written in the same transaction as, and after, the records of those
 * events, so a shard that has applied it has applied everything of partition p up to o that was
 * meant for it. That is what read-your-writes tokens wait for.
 */
final class EventProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    static final long WATERMARK_INTERVAL_MS = 50;
    /** No watermark sent for this long (the commit interval): the next event is a lone write. */
    static final long QUIET_MS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(EventProcessor.class);

    private final PrefetchedEmbedding embedding;
    private final EventTranslator translator;
    private final String librariesStoreName;
    private final String pendingStoreName;
    private final String progressStoreName;
    /**
     * Threads for the model calls of an instance's tasks: as many as stream threads, so that tasks
     * of different stream threads embed side by side, as they would on their own threads.
     */
    static ExecutorService embeddingThreads(final int threads) {
        return Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("vectorstream-embedding-", 0).daemon()
                .factory());
    }

    private final InputEnds inputEnds;
    /** The task's held events and their batches for the model. */
    private final EmbeddingBatcher batcher;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> libraries;
    /** Held events by input offset ({@link RecordCodec#encodeOffset}): bytes in, decoded here, so a forged key cannot fail a read. */
    private KeyValueStore<byte[], byte[]> pendingStore;
    /** {@link #PROCESSED} and {@link #WATERMARKED} offsets, so a restarted task owes no watermark. */
    private KeyValueStore<String, byte[]> progress;
    private long lastOffset = -1;
    /** {@link #library}'s last decoded record and the stored bytes it came from. */
    private byte[] lastLibraryBytes;
    private LibraryRecord lastLibrary;
    private long lastWatermarkSent = -1;
    /**
     * When the last watermark was sent, or the task initialised: the stream thread's wall clock
     * ({@link ProcessorContext#currentSystemTimeMs}, read once per loop, no system call).
     */
    private long lastWatermarkMs;
    private Cancellable punctuation;

    static final String PROCESSED = "processed";
    static final String WATERMARKED = "watermarked";

    EventProcessor(final String librariesStoreName, final String pendingStoreName, final String progressStoreName,
                   final TextEmbedding models, final Limits limits) {
        this(librariesStoreName, pendingStoreName, progressStoreName, models, limits, embeddingThreads(1),
                InputEnds.unchecked());
    }

    /**
     * @param inputEnds the events topic's ends, which the shards of this instance check watermarks
     *                  against: asked for a new reading when a lone write comes, so that the
     *                  reading is there before its watermark reaches them
     */
    EventProcessor(final String librariesStoreName, final String pendingStoreName, final String progressStoreName,
                   final TextEmbedding models, final Limits limits,
                   final ExecutorService embeddingThreads, final InputEnds inputEnds) {
        this.librariesStoreName = librariesStoreName;
        this.pendingStoreName = pendingStoreName;
        this.progressStoreName = progressStoreName;
        this.inputEnds = inputEnds;
        this.embedding = new PrefetchedEmbedding(models);
        this.batcher = new EmbeddingBatcher(embedding, embeddingThreads, this::forwardHeld);
        this.translator = new EventTranslator(embedding, limits);
    }

    /**
     * Kafka Streams calls this again on the same object when a task is resumed after a rebalance
     * or revived after its state was reset: everything in memory starts afresh from the stores.
     */
    @Override
    public void init(final ProcessorContext<byte[], byte[]> processorContext) {
        resetMemory();
        this.context = processorContext;
        lastWatermarkMs = processorContext.currentSystemTimeMs();
        this.libraries = processorContext.getStateStore(librariesStoreName);
        this.pendingStore = processorContext.getStateStore(pendingStoreName);
        this.progress = processorContext.getStateStore(progressStoreName);
        // A task stopped after processing events but before its next watermark: send it now, or a
        // read waiting for those events would wait until the partition's next event.
        lastOffset = storedOffset(PROCESSED);
        lastWatermarkSent = storedOffset(WATERMARKED);
        List<byte[]> undecodable = new ArrayList<>();
        try (KeyValueIterator<byte[], byte[]> held = pendingStore.all()) {
            while (held.hasNext()) {
                KeyValue<byte[], byte[]> next = held.next();
                PendingEvent stored;
                long offset;
                try {
                    offset = RecordCodec.decodeOffset(next.key);
                    stored = PendingEvent.decode(offset, next.value);
                } catch (IllegalArgumentException damaged) {
                    // Only a forged or damaged changelog record gets here: this stage wrote none such.
                    LOG.error("task {}: a held event cannot be read back from the pending store ({}); it is dropped",
                            processorContext.taskId(), damaged.getMessage());
                    undecodable.add(next.key);
                    continue;
                }
                PendingEvent restored = withTexts(stored);
                batcher.restore(restored == null ? stored : restored);
                lastOffset = Math.max(lastOffset, offset);
            }
        }
        undecodable.forEach(pendingStore::delete);
        if (batcher.waiting() > 0) {
            LOG.info("task {}: {} events held before a restart are processed first",
                    processorContext.taskId(), batcher.waiting());
        }
        punctuation = processorContext.schedule(Duration.ofMillis(WATERMARK_INTERVAL_MS), PunctuationType.WALL_CLOCK_TIME,
                now -> {
                    batcher.tick();
                    sendWatermark();
                });
    }

    /** An offset {@link #progress} keeps, or -1 when it keeps none it can read. */
    private long storedOffset(final String name) {
        byte[] bytes = progress.get(name);
        if (bytes == null) {
            return -1;
        }
        try {
            return RecordCodec.decodeOffset(bytes);
        } catch (IllegalArgumentException damaged) {
            LOG.error("task {}: the stored {} offset cannot be read ({}); starting from none", context.taskId(), name,
                    damaged.getMessage());
            return -1;
        }
    }

    /**
     * Held events stay in the changelogged store (they were not processed, so their records were
     * not sent); the next {@link #init} of this task, here or on another instance, takes them back.
     */
    @Override
    public void close() {
        if (punctuation != null) {
            punctuation.cancel();
        }
        resetMemory();
    }

    private void resetMemory() {
        batcher.reset();
        embedding.clear();
        lastOffset = -1;
        lastWatermarkSent = -1;
        punctuation = null;
    }

    @Override
    public void process(final Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        batcher.forwardInFlightIfDone();
        PendingEvent plain = new PendingEvent(record.key(), record.value(), record.timestamp(), meta.topic(),
                meta.partition(), meta.offset(), null, List.of());
        long size = (record.key() == null ? 0L : record.key().length)
                + (record.value() == null ? 0L : record.value().length);
        if (size > Topics.MAX_EVENT_BYTES) {
            // Only an events topic whose max.message.bytes someone raised lets one through: it could
            // not be held for embedding (the pending store's changelog takes events up to the limit),
            // and it changes nothing, so it may leave before the events held ahead of it.
            deadLetter(record.key(), record.value(), record.timestamp(), "the event takes " + size + " bytes, over "
                    + "the " + Topics.MAX_EVENT_BYTES + " an event may take", null, meta.topic(), meta.partition(),
                    meta.offset());
        } else {
            PendingEvent withTexts = withTexts(plain);
            if (withTexts == null && batcher.isEmpty()) {
                translateAndForward(record.key(), record.value(), record.timestamp(), meta.topic(), meta.partition(),
                        meta.offset());
            } else {
                hold(withTexts != null ? withTexts : plain);
            }
        }
        lastOffset = meta.offset();
        progress.put(PROCESSED, RecordCodec.encodeOffset(lastOffset));
        // The first event after a quiet spell (a lone write waited for with ?wait=true or a token)
        // gets its watermark at once and asks for the commit that lets the shards read it, rather
        // than waiting up to 50 ms for the punctuation and 100 ms for the commit; and a new
        // reading of the input's ends, which the commit (30-50 ms) gives time to arrive before
        // the watermark reaches this instance's shards, so that they need not hold it. Under load
        // the punctuation sends a watermark every 50 ms: no spell is quiet, Kafka Streams commits
        // every 100 ms as before, and the shards ask for readings as they need them.
        if (context.currentSystemTimeMs() - lastWatermarkMs >= QUIET_MS) {
            inputEnds.requestReading();
            sendWatermark();
            context.commit();
        }
    }

    /**
     * The event with the texts it needs embedded, or {@code null} when it needs none (its library
     * has no model, it is not a chunk or document upsert, or every chunk brings its vector).
     * Events of libraries without a model are not parsed here: that is the common path of
     * vector ingest and must stay cheap.
     */
    private PendingEvent withTexts(final PendingEvent event) {
        if (event.key() == null || event.value() == null) {
            return null;
        }
        LibraryRecord library = library(new String(event.key(), StandardCharsets.UTF_8));
        if (library == null || library.model() == null) {
            return null;
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(event.value());
        } catch (IOException e) {
            return null; // the translator rejects it with the reason
        }
        if (json == null || !json.isObject()) {
            return null;
        }
        List<String> texts = new ArrayList<>();
        JsonNode payload = json.path("payload");
        switch (json.path("type").asText()) {
            case "chunk.upserted" -> addText(payload, texts);
            case "document.upserted" -> payload.path("chunks").forEach(chunk -> addText(chunk, texts));
            default -> {
                return null;
            }
        }
        return texts.isEmpty() ? null : new PendingEvent(event.key(), event.value(), event.timestamp(), event.topic(),
                event.partition(), event.offset(), library.model(), texts);
    }

    /**
     * The library {@code id} as this stage knows it, or {@code null}. Decoded once per change:
     * every event asks (twice), and the store hands back the same array until the library is
     * written again.
     */
    private LibraryRecord library(final String id) {
        byte[] bytes = libraries.get(id);
        if (bytes == null) {
            return null;
        }
        if (bytes != lastLibraryBytes) {
            try {
                lastLibrary = RecordCodec.decodeLibrary(bytes);
            } catch (IllegalArgumentException damaged) {
                // Only a forged or damaged changelog record gets here: this stage writes what it decodes.
                LOG.error("library '{}' in this stage's store cannot be read ({}); its events are refused until "
                        + "it is written again", id, damaged.getMessage());
                lastLibrary = null;
            }
            lastLibraryBytes = bytes;
        }
        return lastLibrary;
    }

    private static void addText(final JsonNode chunk, final List<String> texts) {
        if (!chunk.has("embedding") && chunk.path("text").isTextual() && !chunk.get("text").asText().isBlank()) {
            texts.add(chunk.get("text").asText());
        }
    }

    /** Holds an event, in the changelogged store too, behind the ones held before it. */
    private void hold(final PendingEvent event) {
        pendingStore.put(RecordCodec.encodeOffset(event.offset()), event.encode());
        batcher.hold(event);
    }

    /**
     * Translates and forwards held events whose vectors {@link #embedding} has, in order, and lets
     * go of them in the store.
     */
    private void forwardHeld(final List<PendingEvent> events) {
        for (PendingEvent event : events) {
            translateAndForward(event.key(), event.value(), event.timestamp(), event.topic(), event.partition(),
                    event.offset());
            pendingStore.delete(RecordCodec.encodeOffset(event.offset()));
        }
    }

    private void translateAndForward(final byte[] key, final byte[] value, final long timestamp, final String topic,
                                     final int partition, final long offset) {
        EventTranslator.Outcome outcome;
        try {
            outcome = translator.translate(key, value, offset, timestamp, this::library);
        } catch (KafkaException kafkaError) {
            throw kafkaError;
        } catch (RuntimeException bug) {
            // A rule that throws instead of rejecting is a bug; it must not stop the pipeline.
            LOG.error("unexpected failure validating {}-{}@{}", topic, partition, offset, bug);
            outcome = new EventTranslator.Rejected("internal error while validating: " + bug, null);
        }
        switch (outcome) {
            case EventTranslator.Accepted accepted -> {
                PipelineMeters.eventApplied();
                for (EventTranslator.ShardRecord shardRecord : accepted.records()) {
                    if (shardRecord.key() instanceof RecordKey.LibraryKey library) {
                        if (shardRecord.value() == null) {
                            libraries.delete(library.libraryId());
                        } else {
                            libraries.put(library.libraryId(), shardRecord.value());
                        }
                    }
                    context.forward(new Record<>(shardRecord.key().encode(), shardRecord.value(), timestamp),
                            VectorstreamTopology.SHARDS_SINK);
                }
            }
            case EventTranslator.Rejected rejected -> deadLetter(key, value, timestamp, rejected.reason(),
                    rejected.field(), topic, partition, offset);
        }
    }

    private void deadLetter(final byte[] key, final byte[] value, final long timestamp, final String reason,
                            final String field, final String topic, final int partition, final long offset) {
        DeadLetterLog.SHARED.record(topic + "-" + partition + "@" + offset, reason);
        context.forward(DeadLetters.of(DeadLetterCause.INVALID_EVENT, key, value, timestamp, reason, field, topic, partition, offset),
                VectorstreamTopology.DEAD_LETTER_SINK);
    }

    /** Never past a held event: the watermark says everything up to it has reached the shards. */
    private void sendWatermark() {
        long oldestHeld = batcher.oldestHeld();
        long processedUpTo = oldestHeld < 0 ? lastOffset : oldestHeld - 1;
        if (processedUpTo <= lastWatermarkSent) {
            return;
        }
        int inputPartition = context.taskId().partition();
        context.forward(new Record<>(new RecordKey.WatermarkKey(inputPartition).encode(),
                RecordCodec.encodeOffset(processedUpTo), System.currentTimeMillis()), VectorstreamTopology.SHARDS_SINK);
        lastWatermarkSent = processedUpTo;
        lastWatermarkMs = context.currentSystemTimeMs();
        progress.put(WATERMARKED, RecordCodec.encodeOffset(processedUpTo));
    }
}
