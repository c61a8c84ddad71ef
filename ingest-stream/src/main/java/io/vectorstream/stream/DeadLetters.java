package io.vectorstream.stream;

import io.vectorstream.metrics.PipelineMeters;
import io.vectorstream.metrics.PipelineMeters.DeadLetterCause;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/** Headers of a record on the dead-letter topic: why it was rejected and where it came from. */
public final class DeadLetters {

    /** Why the event was rejected. */
    public static final String REASON = "vectorstream.dlq.reason";
    /** The offending field (dotted path), when one is to blame. */
    public static final String FIELD = "vectorstream.dlq.field";
    public static final String SOURCE_TOPIC = "vectorstream.dlq.source.topic";
    public static final String SOURCE_PARTITION = "vectorstream.dlq.source.partition";
    public static final String SOURCE_OFFSET = "vectorstream.dlq.source.offset";
    /**
     * Set instead of the value when the record was too large to be kept whole as a dead letter:
     * the value's size in bytes. The event is still at its source (topic, partition, offset).
     */
    public static final String VALUE_OMITTED = "vectorstream.dlq.value.omitted";

    /** The longest key kept. */
    private static final int MAX_KEY_BYTES = 64 * 1024;

    /** The longest reason kept: reasons quote parts of the input, which may be large. */
    static final int MAX_REASON_CHARS = 2_000;

    private DeadLetters() {
    }

    /**
     * The dead letter of a record: its key, value and timestamp with the headers that say why and
     * where it came from, always small enough for the dead-letter topic
     * ({@link Topics#MAX_DEAD_LETTER_BYTES}): a value too large to be kept is left out
     * ({@link #VALUE_OMITTED}). A dead letter the topic refused would stop the stream thread, and
     * the record would stop it again at every restart. Counted by cause ({@link PipelineMeters}).
     */
    static Record<byte[], byte[]> of(final DeadLetterCause cause, final byte[] key, final byte[] value,
            final long timestamp, final String reason, final String field, final String topic, final int partition,
            final long offset) {
        PipelineMeters.deadLettered(cause);
        Headers headers = headers(reason, field, topic, partition, offset);
        byte[] keptKey = key != null && key.length > MAX_KEY_BYTES ? null : key; // no key of ours is near it
        byte[] keptValue = value;
        long size = (keptKey == null ? 0L : keptKey.length) + (value == null ? 0L : value.length);
        if (size > Topics.MAX_DEAD_LETTER_BYTES - 64 * 1024) {
            headers.add(VALUE_OMITTED, Long.toString(value.length).getBytes(StandardCharsets.UTF_8));
            keptValue = null;
        }
        return new Record<>(keptKey, keptValue, timestamp, headers);
    }

    static Headers headers(final String reason, final String field, final String topic, final int partition,
                           final long offset) {
        Headers headers = new RecordHeaders();
        String kept = reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS) + "...";
        headers.add(REASON, kept.getBytes(StandardCharsets.UTF_8));
        if (field != null) {
            headers.add(FIELD, field.getBytes(StandardCharsets.UTF_8));
        }
        headers.add(SOURCE_TOPIC, String.valueOf(topic).getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /**
     * The kind of a reason: the reason with its numbers and quoted parts taken out, so that letters
     * of one kind count together (in the log and in {@code bin/vectorstream dlq count}).
     */
    public static String kindOf(final String reason) {
        return reason.replaceAll("-?\\d+(\\.\\d+)?", "N").replaceAll("'[^']*'", "'…'");
    }

    /** The value of a header as a string, or {@code null}. */
    public static String header(final Headers headers, final String name) {
        var header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
