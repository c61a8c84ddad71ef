package io.vectorstream.store;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    /** Its lines are the shard store's. */
    private static final Logger LOG = LoggerFactory.getLogger(ChronicleShardStore.class);

    /** Long enough for a rebalance after start-up; short enough not to hold files of moved tasks. */
    static final Duration KEEP = Duration.ofMinutes(2);

    private static final ConcurrentHashMap<Path, Left> LEFT = new ConcurrentHashMap<>();

    private StartupHandoff() {
    }

    /**
     * A shard a start-up open left for its task: its open map and offsets, and its in-memory view,
     * built on a background thread.
     *
     * @param fileKey the identity (inode) of the file it has open, to check that it is still the one on disk
     */
    private record Left(OpenShard shard, Object fileKey, CompletableFuture<ShardContents> viewInBackground) {

        /** Whether {@code file} is still the file this shard has open (same inode). */
        boolean hasOpen(final File file) {
            return fileKey != null && fileKey.equals(fileKeyOf(file));
        }

        /**
         * Closes it.
         *
         * @param cleanClose whether to write the clean-close record, as a store's close would have; only
         *                   if the file on disk is still the one open here and its view could be built
         *                   from it, since the record vouches for what is on disk
         */
        void close(final boolean cleanClose) {
            // Not while its thread still reads the map.
            boolean readable = viewInBackground.handle((view, failure) -> failure == null).join();
            boolean clean = cleanClose && readable && hasOpen(shard.file());
            shard.close(clean, readable ? viewInBackground.join() : null);
        }
    }

    /**
     * Whether Kafka Streams opens the store at start-up, before any task is assigned, only to read
     * its committed offsets and close it again (Kafka Streams 4.3's
     * {@code StateDirectory.initializeStartupStores}, whose context is its {@code StartupContext}).
     * It does so for every task, one after the other, on one thread; the task that gets the store
     * opens it again.
     */
    static boolean isStartupOpen(final StateStoreContext stateStoreContext) {
        return stateStoreContext.getClass().getName()
                .equals("org.apache.kafka.streams.processor.internals.StateDirectory$StartupContext");
    }

    /**
     * Leaves {@code shard}, just closed by Kafka Streams' start-up, open for its task, if it has
     * records: its view is built meanwhile on a background thread.
     *
     * @return whether it was left (else the caller closes it)
     */
    static boolean leave(final OpenShard shard, final TaskId task) {
        if (shard.map == null || shard.isNeverUsed()) {
            return false;
        }
        Object fileKey = fileKeyOf(shard.file());
        if (fileKey == null) {
            return false;
        }
        CompletableFuture<ShardContents> viewInBackground = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("shard-view-" + task).start(() -> {
            try {
                viewInBackground.complete(shard.buildView());
            } catch (RuntimeException | Error e) {
                viewInBackground.completeExceptionally(e);
            }
        });
        leave(shard.dir.toPath().toAbsolutePath().normalize(), new Left(shard, fileKey, viewInBackground));
        return true;
    }

    /** Keeps {@code store}, opened at start-up for the shard in {@code dir}, for that shard's task. */
    private static void leave(final Path dir, final Left store) {
        LEFT.compute(dir, (key, previous) -> {
            if (previous != null && previous != store) {
                previous.close(false); // stale: the file has been opened again since
            }
            return store;
        });
        CompletableFuture.delayedExecutor(KEEP.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                LEFT.computeIfPresent(dir, (key, left) -> {
                    if (left != store) {
                        return left;
                    }
                    store.close(true);
                    return null;
                }));
    }

    /**
     * The shard in {@code dir} as a start-up open left it, for the task now opening it there: its open
     * map, offsets and in-memory view. Null (and what was left closed) when none was left, when
     * this open is a start-up's too, or when the left one cannot be used: its file on disk is no
     * longer the one it has open (closed then without a clean-close record, so that the file is
     * checked as after a kill), or its view could not be built.
     */
    static OpenShard takeOver(final String name, final File dir, final boolean offsetsOnly) {
        Left left = take(dir.toPath().toAbsolutePath().normalize());
        if (left != null && offsetsOnly) {
            left.close(true); // an earlier start-up's, in this process: its file is opened again now
            left = null;
        }
        if (left == null) {
            return null;
        }
        File file = new File(dir, OpenShard.FILE_NAME);
        if (!left.hasOpen(file)) {
            LOG.info("shard store {}: the file opened at start-up was replaced since; opening it again", name);
            left.close(false);
            return null;
        }
        ShardContents view;
        try {
            view = left.viewInBackground().join();
        } catch (CompletionException | CancellationException e) {
            LOG.warn("shard store {}: building its in-memory view after start-up failed ({}); opening it again", name,
                    e.getCause() == null ? e.toString() : e.getCause().toString());
            left.close(false);
            return null;
        }
        OpenShard taken = new OpenShard(name, dir, false, left.shard().options);
        taken.contents = view;
        taken.map = left.shard().map;
        taken.committed.putAll(left.shard().committed);
        taken.replayingThrough = left.shard().replayingThrough;
        taken.progress = left.shard().progress;
        return taken;
    }

    /**
     * The shard left in {@code dir}, now the caller's to use or close; or null. A close of that
     * shard under way (it was not taken in time) finishes first, so that the caller then opens a
     * file nobody else has open.
     */
    private static Left take(final Path dir) {
        return LEFT.remove(dir);
    }

    /** Closes the shards left under {@code stateDir} that no task took (their instance has stopped). */
    static void closeAll(final Path stateDir) {
        for (Path dir : List.copyOf(LEFT.keySet())) {
            if (dir.startsWith(stateDir)) {
                LEFT.computeIfPresent(dir, (key, left) -> {
                    left.close(true);
                    return null;
                });
            }
        }
    }

    private static Object fileKeyOf(final File file) {
        try {
            return Files.readAttributes(file.toPath(), BasicFileAttributes.class).fileKey();
        } catch (IOException gone) {
            return null;
        }
    }
}
