package io.vectorstream.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An event held back so that its texts are embedded together with those of the events after it.
 * It is kept in a changelogged store until it is processed, so that under exactly-once a crash
 * cannot commit its offset without its records (see {@link EventProcessor}).
 *
 * @param texts the texts it needs embedded (not stored: derived again from the event)
 */
record PendingEvent(byte[] key, byte[] value, long timestamp, String topic, int partition, long offset,
                    String modelId, List<String> texts) {

    /** The event and where it came from; the texts are derived again on restore. */
    byte[] encode() {
        byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + 4 + 4 + topicBytes.length + 4 + length(key) + 4 + length(value));
        out.putLong(timestamp).putInt(partition).putInt(topicBytes.length).put(topicBytes);
        putNullable(out, key);
        putNullable(out, value); // a tombstone on the events topic is held like any event: a dead letter later
        return out.array();
    }

    private static int length(final byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    /** Length (-1 for null) and bytes. */
    private static void putNullable(final ByteBuffer out, final byte[] bytes) {
        out.putInt(bytes == null ? -1 : bytes.length);
        if (bytes != null) {
            out.put(bytes);
        }
    }

    private static byte[] getNullable(final ByteBuffer in) {
        int length = in.getInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    /** The stored part of a pending event at {@code offset}: key, value, timestamp and source. */
    static PendingEvent decode(final long offset, final byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        long timestamp = in.getLong();
        int partition = in.getInt();
        byte[] topic = new byte[in.getInt()];
        in.get(topic);
        byte[] key = getNullable(in);
        byte[] value = getNullable(in);
        return new PendingEvent(key, value, timestamp, new String(topic, StandardCharsets.UTF_8), partition, offset,
                null, List.of());
    }
}
