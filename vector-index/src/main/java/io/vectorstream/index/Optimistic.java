package io.vectorstream.index;

import java.util.concurrent.locks.StampedLock;
import java.util.function.IntSupplier;

/**
 * Runs a short read under a {@link StampedLock}'s optimistic stamp and, when a write got in the
 * way (the stamp no longer validates, or the racing read threw because arrays were swapped),
 * again under the read lock. The result of a read is used only once it is known to be consistent.
 */
final class Optimistic {

    private Optimistic() {
    }

    static int read(final StampedLock lock, final IntSupplier read) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                int result = read.getAsInt();
                if (lock.validate(stamp)) {
                    return result;
                }
            } catch (RuntimeException raceDuringOptimisticRead) {
                // Arrays changed under us; the locked read below is authoritative.
            }
        }
        stamp = lock.readLock();
        try {
            return read.getAsInt();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Scores the live slots {@code [from, to)} of a slot array against {@code query}: writes each
     * score and key to {@code scores}/{@code out} and returns how many there were.
     */
    static int scoreSlots(final Metric metric, final float[] query, final float[] vectors,
                          final Object[] keys, final int from, final int to, final float[] scores, final Object[] out) {
        int dimension = query.length;
        int n = 0;
        for (int slot = from; slot < to; slot++) {
            Object key = keys[slot];
            if (key != null) {
                scores[n] = Similarity.score(metric, query, vectors, slot * dimension);
                out[n++] = key;
            }
        }
        return n;
    }
}
