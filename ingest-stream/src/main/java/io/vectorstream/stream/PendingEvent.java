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
        int keyLength = key == null ? -1 : key.length;
        ByteBuffer out = ByteBuffer.allocate(8 + 4 + 4 + topicBytes.length + 4 + Math.max(0, keyLength) + 4
                + value.length);
        out.putLong(timestamp).putInt(partition).putInt(topicBytes.length).put(topicBytes).putInt(keyLength);
        if (key != null) {
            out.put(key);
        }
        out.putInt(value.length).put(value);
        return out.array();
    }

    /** The stored part of a pending event at {@code offset}: key, value, timestamp and source. */
    static PendingEvent decode(final long offset, final byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        long timestamp = in.getLong();
        int partition = in.getInt();
        byte[] topic = new byte[in.getInt()];
        in.get(topic);
        int keyLength = in.getInt();
        byte[] key = null;
        if (keyLength >= 0) {
            key = new byte[keyLength];
            in.get(key);
        }
        byte[] value = new byte[in.getInt()];
        in.get(value);
        return new PendingEvent(key, value, timestamp, new String(topic, StandardCharsets.UTF_8), partition, offset,
                null, List.of());
    }
}
