package io.vectorstream.stream;

import java.nio.BufferUnderflowException;
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
        return bytes(in, length);
    }

    /** {@code length} bytes, checked against what is left before anything is allocated. */
    private static byte[] bytes(final ByteBuffer in, final int length) {
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("damaged pending event: a length of " + length + " with "
                    + in.remaining() + " bytes left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    /**
     * The stored part of a pending event at {@code offset}: key, value, timestamp and source.
     *
     * @throws IllegalArgumentException when the bytes are not a pending event (the store's
     *                                  changelog is a topic that anyone with access can write)
     */
    static PendingEvent decode(final long offset, final byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            long timestamp = in.getLong();
            int partition = in.getInt();
            byte[] topic = bytes(in, in.getInt());
            byte[] key = getNullable(in);
            byte[] value = getNullable(in);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("damaged pending event: trailing bytes");
            }
            return new PendingEvent(key, value, timestamp, new String(topic, StandardCharsets.UTF_8), partition,
                    offset, null, List.of());
        } catch (BufferUnderflowException | NullPointerException e) {
            throw new IllegalArgumentException("damaged pending event: truncated", e);
        }
    }
}
