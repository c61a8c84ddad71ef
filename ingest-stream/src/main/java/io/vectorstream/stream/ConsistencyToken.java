package io.vectorstream.stream;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A position in the events topic that a read must see: per input partition, the offset of the
 * write. Written as {@code p:offset[,p:offset...]} (header {@code X-Consistency-Token}); tokens of
 * several writes merge by taking the highest offset per partition.
 */
public record ConsistencyToken(Map<Integer, Long> offsets) {

    public ConsistencyToken {
        offsets = Map.copyOf(offsets);
    }

    /** The token of one write. */
    public static ConsistencyToken of(final int partition, final long offset) {
        return new ConsistencyToken(Map.of(partition, offset));
    }

    /**
     * Reads a token.
     *
     * @throws IllegalArgumentException if it is not of the form {@code p:offset[,p:offset...]}
     */
    public static ConsistencyToken parse(final String text) {
        Map<Integer, Long> offsets = new TreeMap<>();
        try {
            for (String part : text.split(",")) {
                String[] pair = part.trim().split(":");
                if (pair.length != 2) {
                    throw new IllegalArgumentException("expected partition:offset, got '" + part + "'");
                }
                int partition = Integer.parseInt(pair[0]);
                long offset = Long.parseLong(pair[1]);
                if (partition < 0 || offset < 0) {
                    throw new IllegalArgumentException("partition and offset must not be negative");
                }
                offsets.merge(partition, offset, Math::max);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a consistency token: " + text, e);
        }
        if (offsets.isEmpty()) {
            throw new IllegalArgumentException("not a consistency token: '" + text + "' names no partition:offset");
        }
        return new ConsistencyToken(offsets);
    }

    /** Whether a shard whose watermarks are these has applied everything this token names. */
    public boolean isSatisfiedBy(final Map<Integer, Long> watermarks) {
        return offsets.entrySet().stream()
                .allMatch(e -> watermarks.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }

    @Override
    public String toString() {
        return new TreeMap<>(offsets).entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
