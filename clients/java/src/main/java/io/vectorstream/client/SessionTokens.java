package io.vectorstream.client;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The newest position of this client's own writes per partition of the events topic: sent with
 * every later call, it makes the service wait until they are applied (read-your-writes).
 */
final class SessionTokens {

    private final Map<Integer, Long> offsets = new TreeMap<>();

    /** Takes in a write's token ({@code partition:offset}, several joined by commas). */
    synchronized void observe(final String token) {
        if (token == null || token.isBlank()) {
            return;
        }
        for (String part : token.split(",")) {
            String[] position = part.trim().split(":");
            if (position.length != 2) {
                continue; // not a token this client understands: ignored rather than failing the write
            }
            try {
                offsets.merge(Integer.parseInt(position[0]), Long.parseLong(position[1]), Math::max);
            } catch (NumberFormatException ignored) {
                // as above
            }
        }
    }

    /** The token covering every write seen, or null before the first. */
    synchronized String token() {
        return offsets.isEmpty() ? null : offsets.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(","));
    }

    synchronized void clear() {
        offsets.clear();
    }
}
