package io.vectorstream.stream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a stream thread dies: it is replaced, after a pause that doubles with each
 * failure in a row (1 s up to 30 s), and its tasks are retried. Kafka Streams' default stops the
 * whole client, and readiness would stay down until someone restarts the process. No record gets
 * here (the processors and {@link ProcessingFailures} turn bad records into dead letters, and the
 * shard store skips records it cannot restore); what does is the cluster or the machine (a broker
 * unreachable, a full disk), which a pause and a retry may outlast, without skipping data.
 */
final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadFailures.class);
    static final long FIRST_PAUSE_MS = 1_000;
    static final long LONGEST_PAUSE_MS = 30_000;
    /** A thread that ran this long since the last failure starts the pauses over. */
    private static final long CALM_MS = 5 * 60_000;

    private final AtomicInteger inARow = new AtomicInteger();
    private final AtomicLong lastFailureNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong replaced = new AtomicLong();
    private volatile boolean closing;

    @Override
    public StreamThreadExceptionResponse handle(final Throwable failure) {
        long now = System.nanoTime();
        if (now - lastFailureNanos.getAndSet(now) > CALM_MS * 1_000_000) {
            inARow.set(0);
        }
        int failures = inARow.incrementAndGet();
        long pause = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS << Math.min(failures - 1, 16));
        replaced.incrementAndGet();
        LOG.error("a stream thread failed ({} in a row); it is replaced in {} s and its tasks retried", failures,
                pause / 1000, failure);
        pause(pause); // on the dying thread: the others go on meanwhile
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private synchronized void pause(final long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        try {
            for (long left = millis; left > 0 && !closing; left = (end - System.nanoTime()) / 1_000_000) {
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends a pause under way at once: the instance is closing, and must not wait for it. */
    synchronized void close() {
        closing = true;
        notifyAll();
    }

    /** Stream threads replaced since this instance started. */
    long replacedThreads() {
        return replaced.get();
    }
}
