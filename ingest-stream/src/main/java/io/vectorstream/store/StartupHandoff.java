package io.vectorstream.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Shard stores that Kafka Streams' start-up opened (for their offsets only) and closed, kept open
 * for the task that opens the same store next, in this process.
 *
 * <p>Why: Kafka Streams 4.3 opens every store it finds on disk at start-up, one after the other
 * on its main thread, only to read its offsets, closes it, and opens it again in the stream thread
 * that gets the task. For a shard that second open means opening the file again and building the
 * in-memory view (ids, vector indexes) from every record: 1-2.5 s per shard of 67k chunks, after
 * the start-up opens, while nothing answers. Kept here, the map stays open and its view is built
 * on a background thread from the moment the start-up is done with it, beside the next start-up
 * opens and the rebalance; the task's open takes both.
 *
 * <p>A store nobody takes within {@link #KEEP} (its task went to another instance) is closed as
 * a store closes; {@link #closeAll} does the same when the instance stops. Closes run inside the
 * map's update of their entry, so a task's {@link #take} of that entry waits for them.
 */
final class StartupHandoff {

    /** Long enough for a rebalance after start-up; short enough not to hold files of moved tasks. */
    static final Duration KEEP = Duration.ofMinutes(2);

    private static final ConcurrentHashMap<Path, ChronicleShardStore> LEFT = new ConcurrentHashMap<>();

    private StartupHandoff() {
    }

    /** Keeps {@code store}, opened at start-up for the shard in {@code dir}, for that shard's task. */
    static void leave(final Path dir, final ChronicleShardStore store) {
        LEFT.compute(dir, (key, previous) -> {
            if (previous != null && previous != store) {
                previous.closeLeft(false); // stale: the file has been opened again since
            }
            return store;
        });
        CompletableFuture.delayedExecutor(KEEP.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                LEFT.computeIfPresent(dir, (key, left) -> {
                    if (left != store) {
                        return left;
                    }
                    store.closeLeft(true);
                    return null;
                }));
    }

    /**
     * The store left for the shard in {@code dir}, now the caller's to use or close; or null. A
     * close of that store under way (it was not taken in time) finishes first, so that the caller
     * then opens a file nobody else has open.
     */
    static ChronicleShardStore take(final Path dir) {
        return LEFT.remove(dir);
    }

    /** Closes the stores left under {@code stateDir} that no task took (their instance has stopped). */
    static void closeAll(final Path stateDir) {
        for (Path dir : List.copyOf(LEFT.keySet())) {
            if (dir.startsWith(stateDir)) {
                LEFT.computeIfPresent(dir, (key, left) -> {
                    left.closeLeft(true);
                    return null;
                });
            }
        }
    }
}
