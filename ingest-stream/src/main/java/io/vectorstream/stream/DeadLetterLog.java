package io.vectorstream.stream;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs dead letters without flooding the log: the first letter of a kind of reason
 * ({@link DeadLetters#kindOf}) at once, then at most one line a minute per kind, with how many
 * letters of that kind came since the last line. Every letter is at debug level. The dead-letter
 * topic keeps each one; {@code bin/vectorstream dlq} reads them.
 */
final class DeadLetterLog {

    /** Shared by the tasks of the process: one stream of dead letters, one log. */
    static final DeadLetterLog SHARED = new DeadLetterLog(System::nanoTime);

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterLog.class);
    private static final long INTERVAL_NANOS = 60_000_000_000L;
    /** Kinds remembered at most; past that the memory starts over (a line too many, never a leak). */
    private static final int MAX_KINDS = 1_000;

    private final LongSupplier clock;
    private final Map<String, Since> byKind = new HashMap<>();

    /** Letters of a kind not yet logged, since the kind's last line. */
    private static final class Since {
        long lastLine;
        long unlogged;
    }

    DeadLetterLog(final LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * Notes a dead letter.
     *
     * @return whether it was logged at warn level (for tests)
     */
    synchronized boolean record(final String source, final String reason) {
        LOG.debug("dead letter from {}: {}", source, reason);
        long now = clock.getAsLong();
        if (byKind.size() >= MAX_KINDS) {
            byKind.clear();
        }
        Since since = byKind.get(DeadLetters.kindOf(reason));
        if (since == null) {
            since = new Since();
            byKind.put(DeadLetters.kindOf(reason), since);
            since.lastLine = now;
            LOG.warn("dead letter from {}: {} (bin/vectorstream dlq list shows them; more of this kind are counted,"
                    + " one line a minute)", source, reason);
            return true;
        }
        since.unlogged++;
        if (now - since.lastLine < INTERVAL_NANOS) {
            return false;
        }
        LOG.warn("{} dead letters like this since the last line, the latest from {}: {}", since.unlogged, source, reason);
        since.unlogged = 0;
        since.lastLine = now;
        return true;
    }
}
