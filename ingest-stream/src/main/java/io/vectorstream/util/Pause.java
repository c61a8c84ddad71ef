package io.vectorstream.util;

/** Waiting between polls, for code that cannot pass an interruption on as a checked exception. */
public final class Pause {

    private Pause() {
    }

    /**
     * Sleeps; an interruption keeps the thread's interrupt flag and ends the wait with an
     * {@link IllegalStateException} naming {@code what} was waited for.
     */
    public static void millis(final long millis, final String what) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }
}
