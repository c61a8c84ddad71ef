package io.vectorstream.service;

import io.vectorstream.cluster.Waiting;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How many searches an instance runs at once. A search is CPU from start to end (its shards'
 * scans, or a peer's) but for its waits on peers and on a rebalance, when it gives its place
 * back: so past one per core more at once only lengthen every one of them, and
 * throughput stays while the tail grows without bound. A search past the limit waits briefly for a
 * place, in arrival order, then is refused with 429 and {@code Retry-After} (a client's cue to
 * back off), so that the admitted ones keep their latency. Batches of searches come second:
 * one takes a place only while more than a quarter of them (rounded down) are free and never
 * waits, so single searches keep their latency while batches and imports run.
 */
public final class SearchAdmission {

    /** How long a single search waits for a place before a 429: a few searches' time. */
    public static final Duration WAIT = Duration.ofMillis(20);

    private final Semaphore places;
    private final int reservedForSingles;

    /** @param concurrent searches at once (at least 1) */
    public SearchAdmission(final int concurrent) {
        if (concurrent < 1) {
            throw new IllegalArgumentException("searches at once must be at least 1, not " + concurrent);
        }
        this.places = new Semaphore(concurrent, true);
        // A quarter, rounded down: with fewer than four places a batch takes any that is free (it
        // still never waits, where a single search does).
        this.reservedForSingles = concurrent / 4;
    }

    /**
     * One per core. Requests run on virtual threads, whose carriers are one per core: a search
     * holds its carrier from start to end, so more places than cores would never fill (the queue
     * would form, unseen and unbounded, among the virtual threads waiting for a carrier).
     */
    public static int defaultConcurrency() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * A place held by a search until closed. While the search only waits (for peers' answers, for
     * a rebalance) it gives the place back; before it works again it takes one if one comes within
     * {@link #WAIT} (a batch's search only while more than the quarter kept for single searches
     * is free), and otherwise goes on without: it was admitted once, and what is left is short.
     */
    public interface Place extends AutoCloseable, Waiting {
        @Override
        void close();
    }

    private final class Held implements Place {

        private final boolean batch;
        private boolean held = true;

        Held(final boolean batch) {
            this.batch = batch;
        }

        @Override
        public void leave() {
            if (held) {
                held = false;
                places.release();
            }
        }

        @Override
        public void rejoin() {
            if (!held) {
                held = batch ? takeForBatch() : takeWithin(WAIT);
            }
        }

        @Override
        public void close() {
            leave();
        }
    }

    /**
     * A place for one search, waited for {@link #WAIT} at most.
     *
     * @throws Refusal 429 when none came free in time
     */
    public Place single() {
        if (takeWithin(WAIT)) {
            return new Held(false);
        }
        throw overloaded();
    }

    /**
     * A place for one search of a batch: only while more than a quarter of the places are free,
     * without waiting.
     *
     * @throws Refusal 429 when singles need the places left
     */
    public Place batch() {
        if (takeForBatch()) {
            return new Held(true);
        }
        throw overloaded();
    }

    private boolean takeWithin(final Duration wait) {
        try {
            return places.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean takeForBatch() {
        return places.availablePermits() > reservedForSingles && places.tryAcquire();
    }

    private static Refusal overloaded() {
        return new Refusal(Refusal.Reason.OVERLOADED, "the instance runs as many searches as it can; retry shortly",
                null);
    }
}
