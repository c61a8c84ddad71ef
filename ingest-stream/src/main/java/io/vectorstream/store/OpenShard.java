package io.vectorstream.store;

import io.vectorstream.record.RecordKey;
import io.vectorstream.util.Directories;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import net.openhft.chronicle.map.ChronicleMap;
import org.apache.kafka.common.TopicPartition;

/**
 * One shard store's open file and what goes with it: the Chronicle Map, the in-memory
 * {@link ShardContents} (ordered ids, vector indexes, watermarks) derived from it, the changelog
 * offsets it holds, the record of the input it applied ({@link ApplyProgress}) and the close lock.
 * {@link ShardOpener} opens it, or {@link StartupHandoff} hands it over from a start-up open; it
 * builds its view from the map and closes under the lock.
 */
final class OpenShard {

    static final String FILE_NAME = "shard.cm";

    final String name;
    /** The shard's folder under the task's state directory. */
    final File dir;
    /**
     * Opened by Kafka Streams' start-up only to read its offsets (see {@link StartupHandoff#isStartupOpen}): the
     * file is checked and opened (recovered after a kill) as always, but the in-memory view is not
     * built, since nothing reads or writes the store before it is closed again.
     */
    final boolean offsetsOnly;
    /** The sizing the map was opened with, and where the view's indexes train. */
    final ShardStoreOptions options;
    volatile ChronicleMap<byte[], byte[]> map;
    volatile ShardContents contents;
    /** Changelog offsets whose records the map holds, as Kafka Streams last committed them. */
    final Map<TopicPartition, Long> committed = new ConcurrentHashMap<>();
    ApplyProgress progress;
    /**
     * After reopening a killed process's file: the last input offset it had applied, until this
     * store has applied it again (-1 otherwise). Records after the committed offset are re-applied
     * over newer state meanwhile, so the watermarks are withheld: a read-your-writes token waits.
     */
    volatile long replayingThrough = -1;
    /** Readers (HTTP threads) hold it shared while they touch the map; close takes it exclusively. */
    private final ReentrantReadWriteLock openGuard = new ReentrantReadWriteLock();

    /** Not open yet: {@link ShardOpener} or {@link StartupHandoff} fills it in. */
    OpenShard(final String name, final File dir, final boolean offsetsOnly, final ShardStoreOptions options) {
        this.name = name;
        this.dir = dir;
        this.offsetsOnly = offsetsOnly;
        this.options = options;
    }

    File file() {
        return new File(dir, FILE_NAME);
    }

    boolean isOpen() {
        return map != null && map.isOpen();
    }

    /** The close lock's shared side, for readers. */
    Lock readLock() {
        return openGuard.readLock();
    }

    /** Writes keep the in-memory view in step with the map: a start-up open has none. */
    void requireView() {
        if (offsetsOnly) {
            throw new IllegalStateException("shard store " + name + " was opened by Kafka Streams' start-up for its "
                    + "offsets only and has no in-memory view");
        }
    }

    /**
     * Records the input record at {@code offset} as applied whole ({@link ApplyProgress}); a
     * replay after a kill ends once it reaches the last record the killed process had applied.
     */
    void applied(final String topic, final int partition, final long offset) {
        progress.applied(topic, partition, offset);
        if (replayingThrough >= 0 && offset >= replayingThrough) {
            replayingThrough = -1;
        }
    }

    /**
     * Derives the in-memory view from the map: libraries first, since indexes need their dimension
     * (found by a pass that reads keys only), then everything else in one pass over the entries,
     * without looking each one up again. It loads indexes in bulk: training (and an index request
     * found among the records) is left to the writer ({@link DeferredTraining}).
     */
    ShardContents buildView() {
        ShardContents rebuilt = new ShardContents(key -> map.get(key), new IvfTrainings(dir.toPath()),
                options.background());
        try {
            load(rebuilt);
            return rebuilt;
        } catch (RuntimeException | Error e) {
            rebuilt.releaseAll(); // its indexes no longer count against the memory budgets
            throw e;
        }
    }

    private void load(final ShardContents rebuilt) {
        rebuilt.beginLoading();
        List<byte[]> libraries = new ArrayList<>();
        // Chronicle Map may hand forEach the same byte[] again for the next entry of that length:
        // whatever outlives one callback must be copied.
        map.forEachEntry(entry -> {
            byte[] key = entry.key().get();
            if (key.length > 0 && key[0] == RecordKey.LIBRARY) {
                libraries.add(key.clone());
            }
        });
        for (byte[] key : libraries) {
            byte[] value = map.get(key);
            if (value != null) {
                rebuilt.onPut(RecordKey.decode(key), value);
            }
        }
        // While loading, no record reads another (ShardContents), so all are taken inside the pass.
        map.forEach((key, value) -> {
            if (key.length > 0 && key[0] != RecordKey.LIBRARY) {
                rebuilt.onPut(RecordKey.decode(key), value); // copies what it keeps
            }
        });
        rebuilt.endLoading();
    }

    /** Whether the shard holds nothing and has no offsets: never used. */
    boolean isNeverUsed() {
        return isNeverUsed(map);
    }

    private boolean isNeverUsed(final ChronicleMap<byte[], byte[]> m) {
        return committed.isEmpty() && m.longSize() == 0;
    }

    /**
     * Closes the map once no reader is inside it, and drops the view.
     *
     * @param recordCleanClose whether to write the clean-close record ({@link CleanClose})
     * @param unusedView       a view built for a task that did not take it ({@link StartupHandoff}), released
     *                         too; or null
     */
    void close(final boolean recordCleanClose, final ShardContents unusedView) {
        openGuard.writeLock().lock();
        try {
            ChronicleMap<byte[], byte[]> m = map;
            map = null;
            ShardContents dropped = contents;
            if (dropped != null) {
                dropped.releaseAll();
            }
            if (unusedView != null && unusedView != dropped) {
                unusedView.releaseAll(); // built for a task that did not take it
            }
            if (m != null) {
                boolean neverUsed = isNeverUsed(m);
                m.close();
                if (progress != null) {
                    progress.close();
                }
                if (neverUsed) {
                    // Nothing to keep, and no offsets to report: leaving the files would make Kafka
                    // Streams see a non-empty store without offsets and wipe the task as corrupted.
                    Directories.deleteQuietly(dir.toPath());
                } else if (recordCleanClose) {
                    CleanClose.write(dir.toPath(), file().toPath(), committed);
                }
            }
        } finally {
            openGuard.writeLock().unlock();
        }
    }
}
