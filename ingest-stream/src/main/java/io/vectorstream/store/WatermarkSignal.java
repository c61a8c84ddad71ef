package io.vectorstream.store;

import java.util.concurrent.TimeUnit;

/**
 * Tells the readers waiting for a read-your-writes token, in this process, that some shard's
 * watermarks moved: they look again at once instead of polling every shard on a timer. One signal
 * for the whole process, so a waiter may wake for another shard's move; it checks and waits again.
 */
public final class WatermarkSignal {

    private static final Object MONITOR = new Object();
    private static long moves;

    private WatermarkSignal() {
    }

    /** Some shard applied a watermark. */
    static void moved() {
        synchronized (MONITOR) {
            moves++;
            MONITOR.notifyAll();
        }
    }

    /** The number of moves so far: pass it to {@link #awaitMoveAfter}. */
    public static long moves() {
        synchronized (MONITOR) {
            return moves;
        }
    }

    /**
     * Waits until a move after {@code seen} (a value of {@link #moves}), or {@code maxNanos}.
     *
     * @return whether a move came
     */
    public static boolean awaitMoveAfter(final long seen, final long maxNanos) throws InterruptedException {
        long deadline = System.nanoTime() + maxNanos;
        synchronized (MONITOR) {
            while (moves == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(MONITOR, left);
            }
            return true;
        }
    }
}
