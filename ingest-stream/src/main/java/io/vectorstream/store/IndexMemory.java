package io.vectorstream.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap this process's vector indexes take, estimated, and the budgets that bound it: for all
 * libraries together and for any one library. A write that would pass a budget is refused
 * ({@link OverBudget}: the shard's record becomes a dead letter, the HTTP API answers 507), so that
 * no stream of writes can end in an {@link OutOfMemoryError}. The estimate counts what grows with
 * the data (each vector's floats and the index's bookkeeping for it) and what an index allocates
 * up front (LSH's projections); it is a bound to plan with, not a measurement of the heap.
 *
 * <p>One per process, shared by every shard store of it: the budgets are the process's heap.
 */
public final class IndexMemory {

    /** Bytes an index keeps per vector beyond its floats: slot, key, ids in ordered sets, list entries. */
    static final long PER_VECTOR_OVERHEAD = 160;

    private static final AtomicLong USED = new AtomicLong();
    private static final Map<String, Long> BY_LIBRARY = new ConcurrentHashMap<>();
    private static volatile Budget budget = Budget.DEFAULT;

    private IndexMemory() {
    }

    /**
     * The budgets of index memory.
     *
     * @param instanceBytes all libraries' indexes in this process together
     * @param libraryBytes  one library's indexes in this process (every shard of it held here)
     */
    public record Budget(long instanceBytes, long libraryBytes) {

        /**
         * 40% of the heap for all indexes and 20% for any one library. An index takes twice its
         * size for a while when it is rebuilt (the new one beside the old) and a training copies
         * one index's vectors (one at a time: {@link io.vectorstream.index.BackgroundTraining}), so
         * the worst case is 80% of the heap, which leaves room for requests, records and Kafka.
         */
        public static final Budget DEFAULT = new Budget(Runtime.getRuntime().maxMemory() / 10 * 4,
                Runtime.getRuntime().maxMemory() / 10 * 2);

        public Budget {
            if (instanceBytes <= 0 || libraryBytes <= 0) {
                throw new IllegalArgumentException("memory budgets must be positive, got " + instanceBytes + " and "
                        + libraryBytes);
            }
        }
    }

    /** Sets the budgets of this process (its composition root does, at start). */
    public static void setBudget(final Budget newBudget) {
        budget = newBudget;
    }

    public static Budget budget() {
        return budget;
    }

    /** Estimated bytes of every index in this process. */
    public static long used() {
        return USED.get();
    }

    /** Estimated bytes of one library's indexes in this process. */
    public static long used(final String libraryId) {
        Long bytes = BY_LIBRARY.get(libraryId);
        return bytes == null ? 0 : bytes;
    }

    /** Bytes one vector of {@code dimension} floats takes in an index, as estimated here. */
    public static long perVector(final int dimension) {
        return (long) dimension * Float.BYTES + PER_VECTOR_OVERHEAD;
    }

    /** Counts {@code delta} bytes (negative: freed) of a library's indexes. */
    static void add(final String libraryId, final long delta) {
        if (delta == 0) {
            return;
        }
        USED.addAndGet(delta);
        BY_LIBRARY.merge(libraryId, delta, (before, change) -> before + change == 0 ? null : before + change);
    }

    /**
     * Checks that {@code bytes} more for the library stay within both budgets.
     *
     * @throws OverBudget naming the budget it would pass
     */
    public static void requireRoom(final String libraryId, final long bytes) {
        Budget current = budget;
        long instance = USED.get() + bytes;
        if (instance > current.instanceBytes()) {
            throw new OverBudget("the instance's memory budget for indexes is full: " + instance + " bytes would pass "
                    + current.instanceBytes() + " (vectorstream.limits.index-memory-bytes)");
        }
        long library = used(libraryId) + bytes;
        if (library > current.libraryBytes()) {
            throw new OverBudget("library '" + libraryId + "' would take " + library + " bytes of index memory here, "
                    + "past its budget of " + current.libraryBytes() + " (vectorstream.limits.library-memory-bytes)");
        }
    }

    /**
     * Counts {@code bytes} more for the library at once if they stay within both budgets: check
     * and count in one step, so that shards opening indexes on several stream threads at the same
     * time cannot each find the same room and together pass the budget.
     *
     * @throws OverBudget naming the budget it would pass (nothing counted then)
     */
    public static synchronized void reserve(final String libraryId, final long bytes) {
        requireRoom(libraryId, bytes);
        add(libraryId, bytes);
    }

    /** A write that would take an index past a memory budget. */
    public static final class OverBudget extends IllegalStateException {
        public OverBudget(final String message) {
            super(message);
        }
    }
}
