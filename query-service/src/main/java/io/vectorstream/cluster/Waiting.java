package io.vectorstream.cluster;

/**
 * What a read gives up while it only waits: for its peers' answers, or for a rebalance to place
 * the shards it misses. A search gives back its place among the searches the instance runs at
 * once, so that searches waiting on a slow or dead peer do not turn away searches this instance
 * has the cores for; it takes a place again before it works again.
 */
public interface Waiting {

    /** Gives up nothing: for reads that hold no place. */
    Waiting NOTHING = new Waiting() {
        @Override
        public void leave() {
        }

        @Override
        public void rejoin() {
        }
    };

    /** Gives up what the read holds, for a wait. */
    void leave();

    /**
     * Takes it back before the read works again, if it comes within a short wait; otherwise the
     * read goes on without it (it was admitted once, and what is left of it is short).
     */
    void rejoin();

    /** Runs {@code wait} without what the read holds. */
    default void during(final Runnable wait) {
        leave();
        try {
            wait.run();
        } finally {
            rejoin();
        }
    }
}
