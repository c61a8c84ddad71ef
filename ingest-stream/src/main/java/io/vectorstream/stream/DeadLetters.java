package io.vectorstream.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Headers of a record on the dead-letter topic: why it was rejected and where it came from. */
public final class DeadLetters {

    /** Why the event was rejected. */
    public static final String REASON = "vectorstream.dlq.reason";
    /** The offending field (dotted path), when one is to blame. */
    public static final String FIELD = "vectorstream.dlq.field";
    public static final String SOURCE_TOPIC = "vectorstream.dlq.source.topic";
    public static final String SOURCE_PARTITION = "vectorstream.dlq.source.partition";
    public static final String SOURCE_OFFSET = "vectorstream.dlq.source.offset";

    private DeadLetters() {
    }

    static Headers headers(final String reason, final String field, final String topic, final int partition,
                           final long offset) {
        Headers headers = new RecordHeaders();
        headers.add(REASON, reason.getBytes(StandardCharsets.UTF_8));
        if (field != null) {
            headers.add(FIELD, field.getBytes(StandardCharsets.UTF_8));
        }
        headers.add(SOURCE_TOPIC, String.valueOf(topic).getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /** The value of a header as a string, or {@code null}. */
    public static String header(final Headers headers, final String name) {
        var header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
