package io.vectorstream.stream;

import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first sub-topology's processor: validates each event of the input topic, sends what it
 * writes to the shards, and rejected events to the dead-letter topic, without ever stopping.
 *
 * <p>It also publishes a watermark to every shard: every {@value #WATERMARK_INTERVAL_MS} ms, if it
 * has processed anything new, a record saying "input partition p is processed up to offset o".
 * Under exactly-once it is written in the same transaction as, and after, the records of those
 * events, so a shard that has applied it has applied everything of partition p up to o that was
 * meant for it. That is what read-your-writes tokens wait for.
 */
final class EventProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    static final long WATERMARK_INTERVAL_MS = 50;
    private static final Logger LOG = LoggerFactory.getLogger(EventProcessor.class);

    private final EventTranslator translator;
    private final String librariesStoreName;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> libraries;
    private long lastOffset = -1;
    private long lastWatermarkSent = -1;

    EventProcessor(final String librariesStoreName, final TextEmbedding embedding) {
        this.librariesStoreName = librariesStoreName;
        this.translator = new EventTranslator(embedding);
    }

    @Override
    public void init(final ProcessorContext<byte[], byte[]> processorContext) {
        this.context = processorContext;
        this.libraries = processorContext.getStateStore(librariesStoreName);
        processorContext.schedule(Duration.ofMillis(WATERMARK_INTERVAL_MS), PunctuationType.WALL_CLOCK_TIME,
                now -> sendWatermark());
    }

    @Override
    public void process(final Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        EventTranslator.Outcome outcome;
        try {
            outcome = translator.translate(record.key(), record.value(), meta.offset(), record.timestamp(), id -> {
                byte[] bytes = libraries.get(id);
                return bytes == null ? null : RecordCodec.decodeLibrary(bytes);
            });
        } catch (org.apache.kafka.common.KafkaException kafkaError) {
            throw kafkaError;
        } catch (RuntimeException bug) {
            // A rule that throws instead of rejecting is a bug; it must not stop the pipeline.
            LOG.error("unexpected failure validating {}-{}@{}", meta.topic(), meta.partition(), meta.offset(), bug);
            outcome = new EventTranslator.Rejected("internal error while validating: " + bug, null);
        }
        switch (outcome) {
            case EventTranslator.Accepted accepted -> {
                for (EventTranslator.ShardRecord shardRecord : accepted.records()) {
                    if (shardRecord.key() instanceof RecordKey.LibraryKey library) {
                        if (shardRecord.value() == null) {
                            libraries.delete(library.libraryId());
                        } else {
                            libraries.put(library.libraryId(), shardRecord.value());
                        }
                    }
                    context.forward(new Record<>(shardRecord.key().encode(), shardRecord.value(), record.timestamp()),
                            VectorstreamTopology.SHARDS_SINK);
                }
            }
            case EventTranslator.Rejected rejected -> {
                LOG.warn("dead letter from {}-{}@{}: {}", meta.topic(), meta.partition(), meta.offset(),
                        rejected.reason());
                context.forward(new Record<>(record.key(), record.value(), record.timestamp(),
                        DeadLetters.headers(rejected.reason(), rejected.field(), meta.topic(), meta.partition(),
                                meta.offset())), VectorstreamTopology.DEAD_LETTER_SINK);
            }
        }
        lastOffset = meta.offset();
    }

    private void sendWatermark() {
        if (lastOffset <= lastWatermarkSent) {
            return;
        }
        int inputPartition = context.taskId().partition();
        context.forward(new Record<>(new RecordKey.WatermarkKey(inputPartition).encode(),
                RecordCodec.encodeOffset(lastOffset), System.currentTimeMillis()), VectorstreamTopology.SHARDS_SINK);
        lastWatermarkSent = lastOffset;
    }
}
