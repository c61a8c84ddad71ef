package io.vectorstream.stream;

import java.time.Duration;

/**
 * How far each partition of the events topic reaches, for the shards to check watermarks against.
 * A watermark says "every event of input partition p up to offset o has been applied here"; one
 * at or past the end of p was not written by the validation stage (the chunks topic is an input
 * too, which anyone with access to the cluster can write) and, taken, would make every
 * read-your-writes token count as applied, for ever. Readings are made in the background on
 * request, so that a shard never waits for the broker on its stream thread.
 */
public interface InputEnds extends AutoCloseable {

    /** The end offset of input partition {@code partition} at the last reading, or -1 before any. */
    long end(int partition);

    /**
     * When the last completed reading began ({@link System#nanoTime}); before any, when this was
     * made. Compared as {@code a - b > 0}, as nanoTime values must be.
     */
    long lastReadingStartedAt();

    /** Asks for a new reading soon; returns at once. */
    void requestReading();

    /**
     * Asks for a new reading and waits until one begun after this call has completed.
     *
     * @return whether one did within {@code timeout}
     */
    boolean awaitReading(Duration timeout);

    @Override
    void close();

    /** Takes every watermark as it comes: for tests of the topology without a broker. */
    static InputEnds unchecked() {
        return new InputEnds() {
            @Override
            public long end(final int partition) {
                return Long.MAX_VALUE;
            }

            @Override
            public long lastReadingStartedAt() {
                return System.nanoTime();
            }

            @Override
            public void requestReading() {
            }

            @Override
            public boolean awaitReading(final Duration timeout) {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }
}
