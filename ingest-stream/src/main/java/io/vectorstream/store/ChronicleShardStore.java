package io.vectorstream.store;

import io.vectorstream.record.RecordKey;
import io.vectorstream.record.RecordKey.DocumentKey;
import io.vectorstream.record.RecordKey.LibraryKey;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shard store: a persistent key-value bytes store on a Chronicle Map file under the task's
 * state directory, plus the in-memory {@link ShardContents} (ordered ids, vector indexes,
 * watermarks) derived from it. Kafka Streams wraps it with change-logging and restores it through
 * the same {@link #put}/{@link #delete} path, so the derived view is exact after a restore too.
 *
 * <p>Point reads go straight to the map (thread-safe). Range scans are served from snapshots
 * sorted by key: Chronicle Map is a hash map with no order, and the scans this project makes
 * (cascading deletes) are prefix scans answered from the ordered ids.
 */
public final class ChronicleShardStore implements KeyValueStore<Bytes, byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(ChronicleShardStore.class);
    private static final String FILE_NAME = "shard.cm";

    private final String name;
    private final ShardStoreOptions options;
    private final boolean verifyChangelog;
    private final Predicate<StateStoreContext> startupOpen;
    private java.time.Duration trainingDelay = TRAINING_DELAY;
    private volatile ChronicleMap<byte[], byte[]> map;
    /** Whether writes keep their previous values in {@link #undo}: inside a {@link #putAll} with puts. */
    private boolean keepingUndo;
    /** The previous value of each write of the {@link #putAll} under way. */
    private final List<KeyValue<byte[], byte[]>> undo = new ArrayList<>();
    private volatile ShardContents contents;
    private volatile Position position = Position.emptyPosition();
    private ApplyProgress progress;
    /**
     * After reopening a killed process's file: the last input offset it had applied, until this
     * store has applied it again (-1 otherwise). Records after the committed offset are re-applied
     * over newer state meanwhile, so the watermarks are withheld: a read-your-writes token waits.
     */
    private volatile long replayingThrough = -1;
    private StateStoreContext context;
    private File dir;
    /**
     * Opened by Kafka Streams' start-up only to read its offsets (see {@link #isStartupOpen}): the
     * file is checked and opened (recovered after a kill) as always, but the in-memory view is not
     * built, since nothing reads or writes the store before it is closed again.
     */
    private volatile boolean offsetsOnly;
    /** Changelog offsets whose records the map holds, as Kafka Streams last committed them. */
    private final java.util.Map<org.apache.kafka.common.TopicPartition, Long> committed =
            new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * A start-up open's in-memory view, built on a background thread once Kafka Streams closes the
     * store ({@link StartupHandoff}); null otherwise.
     */
    private CompletableFuture<ShardContents> viewInBackground;
    /** The identity (inode) of the file a store left at start-up has open, to check that it is still the one on disk. */
    private Object leftFileKey;
    /**
     * Whether the view was built from the file and may hold indexes still to train: the open
     * leaves their training to the writer thread ({@link #putAll}), so that the shard answers
     * (exactly) first. Writer thread only.
     */
    private boolean trainingMayBeDue;
    /**
     * Not before this ({@link System#nanoTime}): a restart's first seconds go to opening the other
     * shards and to the rebalance, on the same cores and stream threads (training an index of 22k
     * vectors takes 2-3 s of CPU); searches are exact meanwhile. A write to such an index trains
     * it at once anyway ({@link io.vectorstream.index.IvfIndex#put}).
     */
    private long trainingNotBefore;
    /** See {@link #trainingNotBefore}. */
    static final java.time.Duration TRAINING_DELAY = java.time.Duration.ofSeconds(10);
    /** Readers (HTTP threads) hold it shared while they touch the map; close takes it exclusively. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock openGuard =
            new java.util.concurrent.locks.ReentrantReadWriteLock();

    public ChronicleShardStore(final String name, final ShardStoreOptions options) {
        this(name, options, true);
    }

    /**
     * @param verifyChangelog whether to check, on open, that the changelog topic is the one the file
     *                        was written with ({@link ChangelogIdentity}); off only for tests of the
     *                        store alone, which have no broker
     */
    ChronicleShardStore(final String name, final ShardStoreOptions options, final boolean verifyChangelog) {
        this(name, options, verifyChangelog, ChronicleShardStore::isStartupOpen);
    }

    /** @param startupOpen tells a start-up open ({@link #isStartupOpen}) from a task's; tests choose */
    ChronicleShardStore(final String name, final ShardStoreOptions options, final boolean verifyChangelog,
                        final Predicate<StateStoreContext> startupOpen) {
        this.name = name;
        this.options = options;
        this.verifyChangelog = verifyChangelog;
        this.startupOpen = startupOpen;
    }

    /** Sets {@link #TRAINING_DELAY} for the next open (tests). */
    void trainingDelay(final java.time.Duration delay) {
        this.trainingDelay = delay;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(final StateStoreContext stateStoreContext, final StateStore root) {
        this.context = stateStoreContext;
        File dir = new File(stateStoreContext.stateDir(), name);
        try {
            Files.createDirectories(dir.toPath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        long start = System.nanoTime();
        File file = new File(dir, FILE_NAME);
        offsetsOnly = startupOpen.test(stateStoreContext);
        ChronicleShardStore left = StartupHandoff.take(dir.toPath().toAbsolutePath().normalize());
        if (left != null && offsetsOnly) {
            left.closeLeft(true); // an earlier start-up's, in this process: its file is opened again now
            left = null;
        }
        boolean tookOver = left != null && takeOver(left, file);
        if (!tookOver) {
            try (ShardKafka kafka = ShardKafka.of(stateStoreContext, name)) {
                openTrusted(stateStoreContext, dir, file, kafka);
            }
        }
        this.dir = dir;
        trainingMayBeDue = !offsetsOnly;
        trainingNotBefore = System.nanoTime() + trainingDelay.toNanos();
        LOG.debug("opened shard store {} for task {} with {} records{} in {} ms", name, stateStoreContext.taskId(),
                map.size(), offsetsOnly ? " (start-up: offsets only)"
                        : tookOver ? " (as opened at start-up, view built meanwhile)" : "",
                (System.nanoTime() - start) / 1_000_000);
        stateStoreContext.register(root, this::restore);
    }

    /**
     * Applies one changelog record while restoring. A record this store cannot take (damaged, or
     * forged: the changelog is a topic anyone with access can write) is skipped, with an error
     * logged and counted ({@link #skippedOnRestore}): Kafka Streams fails every restoring task on
     * an exception here, and would meet the same record at every restart.
     */
    private void restore(final byte[] key, final byte[] value) {
        try {
            RecordKey recordKey = RecordKey.decode(key);
            if (value != null) {
                requireRestorable(recordKey, value);
            }
        } catch (RuntimeException unreadable) {
            // Nothing was written: the key keeps what it held.
            SKIPPED_ON_RESTORE.incrementAndGet();
            LOG.error("shard store {}: a changelog record cannot be restored and is skipped ({})", name,
                    unreadable.toString());
            return;
        }
        // Failures from here on are the store's or the machine's (a full map, a full disk): they
        // fail the restore, which Kafka Streams retries, rather than lose a record.
        if (value == null) {
            remove(key);
        } else {
            write(key, value);
        }
    }

    /**
     * Reads a record as the store and its view will, so that one they could not take is refused
     * before it is written: whole (not only the vector the view takes), and for a library its
     * index spec too.
     *
     * @throws RuntimeException when it cannot be read
     */
    private static void requireRestorable(final RecordKey key, final byte[] value) {
        switch (key) {
            case RecordKey.LibraryKey k -> {
                io.vectorstream.record.LibraryRecord library = io.vectorstream.record.RecordCodec.decodeLibrary(value);
                IndexSpecs.tolerated(library.indexJson(), library.dimension());
            }
            case RecordKey.DocumentKey k -> io.vectorstream.record.RecordCodec.decodeDocument(value);
            case RecordKey.ChunkKey k -> io.vectorstream.record.RecordCodec.decodeChunk(value);
            case RecordKey.WatermarkKey k -> io.vectorstream.record.RecordCodec.decodeOffset(value);
            case RecordKey.IndexRequestKey k -> io.vectorstream.record.RecordCodec.decodeOffset(value);
        }
    }

    /** Changelog records skipped while restoring, in this process ({@link #restore}). */
    private static final java.util.concurrent.atomic.AtomicLong SKIPPED_ON_RESTORE =
            new java.util.concurrent.atomic.AtomicLong();

    /** Changelog records any shard store of this process skipped while restoring because they could not be read. */
    public static long skippedOnRestore() {
        return SKIPPED_ON_RESTORE.get();
    }

    /**
     * Makes Chronicle Map generate and load its code now, on a background thread, with a small map
     * in memory: the first map a process opens pays about 3 s for that (measured on a killed
     * restart at 200k chunks: 3.4-3.8 s to recover the first shard file, 0.1-0.4 s the others),
     * and the first shard is opened on Kafka Streams' start-up path, where everything waits.
     */
    public static void prepareInBackground() {
        Thread.ofPlatform().name("chronicle-map-warm-up").daemon().start(() -> {
            try (ChronicleMap<byte[], byte[]> warmUp = ChronicleMapBuilder.of(byte[].class, byte[].class)
                    .name("warm-up").entries(16).averageKeySize(48).averageValueSize(256).create()) {
                warmUp.put(new byte[] {1}, new byte[] {2});
                warmUp.forEach((key, value) -> { });
            } catch (RuntimeException e) {
                LOG.debug("Chronicle Map warm-up failed; the first shard opens slower", e);
            }
        });
    }

    /**
     * Closes the shard stores Kafka Streams' start-up opened under {@code stateDir} that no task
     * took, once that instance has stopped.
     */
    public static void closeStartupStoresNotTaken(final java.nio.file.Path stateDir) {
        StartupHandoff.closeAll(stateDir.toAbsolutePath().normalize());
    }

    /**
     * Uses what a start-up open of this shard left ({@link StartupHandoff}): its open map, offsets
     * and in-memory view. False (and {@code left} closed without a clean-close record, so that the
     * file is checked as after a kill) when the file on disk is no longer the one it has open or
     * its view could not be built.
     */
    private boolean takeOver(final ChronicleShardStore left, final File file) {
        if (!left.hasOpen(file)) {
            LOG.info("shard store {}: the file opened at start-up was replaced since; opening it again", name);
            left.closeLeft(false);
            return false;
        }
        try {
            contents = left.viewInBackground.join();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            LOG.warn("shard store {}: building its in-memory view after start-up failed ({}); opening it again", name,
                    e.getCause() == null ? e.toString() : e.getCause().toString());
            left.closeLeft(false);
            return false;
        }
        map = left.map;
        committed.putAll(left.committed);
        replayingThrough = left.replayingThrough;
        progress = left.progress;
        return true;
    }

    /** Whether {@code file} is still the file this store has open (same inode). */
    private boolean hasOpen(final File file) {
        return leftFileKey != null && leftFileKey.equals(fileKey(file));
    }

    private static Object fileKey(final File file) {
        try {
            return Files.readAttributes(file.toPath(), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException gone) {
            return null;
        }
    }

    /**
     * Whether Kafka Streams opens the store at start-up, before any task is assigned, only to read
     * its committed offsets and close it again (Kafka Streams 4.3's
     * {@code StateDirectory.initializeStartupStores}, whose context is its {@code StartupContext}).
     * It does so for every task, one after the other, on one thread; the task that gets the store
     * opens it again.
     */
    private static boolean isStartupOpen(final StateStoreContext stateStoreContext) {
        return stateStoreContext.getClass().getName()
                .equals("org.apache.kafka.streams.processor.internals.StateDirectory$StartupContext");
    }

    /**
     * Opens the shard file when it can be trusted (closed cleanly, or left by a killed process
     * that applied every committed record, and written against the changelog that exists now);
     * otherwise deletes it and opens an empty one, which Kafka Streams restores from the changelog.
     */
    private void openTrusted(final StateStoreContext stateStoreContext, final File dir, final File file,
                             final ShardKafka kafka) {
        CleanClose.Outcome previous = CleanClose.readAndRemove(dir.toPath(), file.toPath());
        boolean killed = previous.notClosed();
        ApplyProgress.Snapshot lastRun = ApplyProgress.read(dir.toPath()).orElse(null);
        boolean reprocesses = false;
        if (killed) {
            UncleanReopen.Decision decision = UncleanReopen.decide(lastRun, kafka);
            CleanClose.Outcome reopened = decision.outcome();
            previous = reopened.trusted() ? reopened
                    : new CleanClose.Outcome(Map.of(), previous.problem() + ", and " + reopened.problem());
            reprocesses = decision.reprocesses();
        }
        Optional<String> changelogId = verifyChangelog ? ChangelogIdentity.current(kafka) : Optional.empty();
        if (verifyChangelog && previous.trusted() && file.exists()
                && (changelogId.isEmpty() || !changelogId.equals(ChangelogIdentity.recorded(dir.toPath())))) {
            previous = new CleanClose.Outcome(Map.of(), changelogId.isEmpty()
                    ? "the id of its changelog topic cannot be read"
                    : "its changelog topic is not the one it was written with (deleted and created again, as "
                    + "rebuild does)");
        }
        if (!previous.trusted() && file.exists()) {
            LOG.warn("shard store {} of task {} starts empty and is restored from its whole changelog: {}", name,
                    stateStoreContext.taskId(), previous.problem());
            IvfTrainings.deleteAll(dir.toPath()); // first: no kept training may outlive the records it indexed
            deleteFile(file);
        } else if (killed) {
            LOG.info("shard store {} of task {} reopens the file its killed process left: it had applied every "
                    + "committed input record; records after the committed input offset are processed again "
                    + "(changelog offsets {})", name, stateStoreContext.taskId(), previous.offsets());
        }
        committed.clear();
        committed.putAll(previous.offsets());
        replayingThrough = reprocesses && previous.trusted() ? lastRun.applied() : -1;
        if (!file.exists()) {
            IvfTrainings.deleteAll(dir.toPath()); // a new, empty shard (or its file was deleted by hand)
        }
        try {
            map = open(file, killed && previous.trusted());
            contents = offsetsOnly ? null : rebuildContents(dir.toPath());
        } catch (RuntimeException e) {
            // Trusted, yet not readable: start over from the changelog rather than fail the task.
            LOG.warn("shard store {} of task {} starts empty and is restored from its whole changelog: "
                    + "its file cannot be read ({})", name, stateStoreContext.taskId(), e.toString());
            if (map != null) {
                map.close();
            }
            IvfTrainings.deleteAll(dir.toPath());
            deleteFile(file);
            committed.clear();
            replayingThrough = -1;
            map = open(file, false);
            contents = offsetsOnly ? null : rebuildContents(dir.toPath());
        }
        progress = ApplyProgress.open(dir.toPath(), !committed.isEmpty());
        if (verifyChangelog) {
            ChangelogIdentity.record(dir.toPath(), changelogId);
        }
    }

    /**
     * This store keeps its changelog offsets itself ({@link CleanClose}): Kafka Streams restores
     * only what follows them, or everything when the store reports none.
     */
    @Override
    public boolean managesOffsets() {
        return true;
    }

    @Override
    public void commit(final java.util.Map<org.apache.kafka.common.TopicPartition, Long> changelogOffsets) {
        committed.putAll(changelogOffsets);
    }

    @Override
    public Long committedOffset(final org.apache.kafka.common.TopicPartition partition) {
        return committed.get(partition);
    }

    private static void deleteFile(final File file) {
        try {
            Files.deleteIfExists(file.toPath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    /**
     * Opens (or creates) the map file; {@code recover} when its process was killed, since it may
     * have died holding a segment lock or half-way through an entry.
     */
    private ChronicleMap<byte[], byte[]> open(final File file, final boolean recover) {
        ChronicleMapBuilder<byte[], byte[]> builder = ChronicleMapBuilder.of(byte[].class, byte[].class)
                .name(name)
                .entries(options.expectedEntries())
                .averageKeySize(48)
                .averageValueSize(options.averageValueBytes())
                .maxBloatFactor(options.maxBloatFactor());
        if (recover) {
            return KilledFileRecovery.recover(builder, file);
        }
        try {
            return builder.createPersistedTo(file);
        } catch (IOException | RuntimeException e) {
            // A file left by a crash mid-write: Chronicle Map can repair its own structure.
            LOG.warn("shard file {} did not open cleanly ({}); recovering it", file, e.toString());
            try {
                return builder.recoverPersistedTo(file, false);
            } catch (IOException recoveryFailure) {
                throw new UncheckedIOException("cannot open shard file " + file, recoveryFailure);
            }
        }
    }

    /**
     * Derives the in-memory view from the map: libraries first, since indexes need their dimension
     * (found by a pass that reads keys only), then everything else in one pass over the entries,
     * without looking each one up again. It loads indexes in bulk: training (and an index request
     * found among the records) is left to the writer ({@link #trainDueIndexes}).
     */
    private ShardContents rebuildContents(final java.nio.file.Path shardDir) {
        ShardContents rebuilt = new ShardContents(key -> map.get(key), new IvfTrainings(shardDir),
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

    @Override
    public void put(final Bytes key, final byte[] value) {
        if (value == null) {
            delete(key);
            return;
        }
        write(key.get(), value);
        advancePosition();
    }

    private void write(final byte[] key, final byte[] value) {
        requireView();
        RecordKey recordKey = RecordKey.decode(key);
        if (keepingUndo && recordKey instanceof RecordKey.ChunkKey chunk) {
            // A live write (not a restore or a load, which take what the changelog holds).
            contents.requireRoomFor(chunk, () -> !map.containsKey(key));
        }
        byte[] previous = map.put(key, value); // Chronicle reads the previous value anyway
        if (keepingUndo) {
            undo.add(KeyValue.pair(key, previous));
        }
        contents.onPut(recordKey, value);
    }

    @Override
    public byte[] putIfAbsent(final Bytes key, final byte[] value) {
        byte[] existing = get(key);
        if (existing == null) {
            put(key, value);
        }
        return existing;
    }

    /**
     * Applies every write of one input record, then records that record as applied
     * ({@link ApplyProgress}): {@link io.vectorstream.stream.ShardWriter} makes one call per record,
     * even an empty one, so that a file left by a kill can say which records it holds whole.
     */
    @Override
    public void putAll(final List<KeyValue<Bytes, byte[]>> entries) {
        // Removals alone do not fail in practice, and a library's cascade may remove millions of
        // records: their previous values are kept only when puts, which can fail, come with them.
        keepingUndo = hasPut(entries);
        try {
            for (KeyValue<Bytes, byte[]> entry : entries) {
                if (entry.value == null) {
                    remove(entry.key.get());
                } else {
                    write(entry.key.get(), entry.value);
                }
            }
        } catch (RuntimeException e) {
            if (keepingUndo) {
                keepingUndo = false;
                rollBack(undo, e);
            }
            throw e;
        } finally {
            keepingUndo = false;
            undo.clear();
        }
        advancePosition();
        java.util.Optional<RecordMetadata> meta = context == null ? java.util.Optional.empty() : context.recordMetadata();
        if (meta.isPresent() && meta.get().topic() != null && meta.get().offset() >= 0) {
            progress.applied(meta.get().topic(), meta.get().partition(), meta.get().offset());
            if (replayingThrough >= 0 && meta.get().offset() >= replayingThrough) {
                replayingThrough = -1;
            }
        }
        if (contents.takeTrainingStarted()) {
            trainingMayBeDue = true; // installed by a later call, once it is done (trainDueIndexes)
        }
        trainDueIndexes();
    }

    /**
     * Trains one index the open left untrained, on the writer thread between records (after the
     * record's writes are applied and marked). A failure leaves that index searching exactly; it
     * must not fail the record, whose writes are in.
     */
    private void trainDueIndexes() {
        if (!trainingMayBeDue || System.nanoTime() - trainingNotBefore < 0) {
            return;
        }
        try {
            trainingMayBeDue = contents.trainOneDue();
        } catch (RuntimeException e) {
            trainingMayBeDue = false;
            LOG.warn("shard store {}: training an index after the open failed; it searches exactly until its next "
                    + "rebuild", name, e);
        }
    }

    @Override
    public byte[] delete(final Bytes key) {
        byte[] old = remove(key.get());
        advancePosition();
        return old;
    }

    private byte[] remove(final byte[] key) {
        requireView();
        byte[] old = map.remove(key);
        if (old != null) {
            if (keepingUndo) {
                undo.add(KeyValue.pair(key, old));
            }
            contents.onDelete(RecordKey.decode(key));
        }
        return old;
    }

    private static boolean hasPut(final List<KeyValue<Bytes, byte[]>> entries) {
        for (KeyValue<Bytes, byte[]> entry : entries) {
            if (entry.value != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes back the writes {@link #putAll} made before one failed, last first, so that a record
     * is applied whole or not at all. Kafka Streams logs a putAll's entries to the changelog only
     * after the store took them all: a record half applied here would be in the file and the
     * view but not in the changelog, and a restore would differ from this shard.
     */
    private void rollBack(final List<KeyValue<byte[], byte[]>> writes, final RuntimeException failure) {
        for (int i = writes.size() - 1; i >= 0; i--) {
            byte[] key = writes.get(i).key;
            byte[] previous = writes.get(i).value;
            RecordKey recordKey = RecordKey.decode(key);
            try {
                if (previous == null) {
                    if (map.remove(key) != null) {
                        contents.onDelete(recordKey);
                    }
                } else {
                    map.put(key, previous);
                    // An index request is an action, not state: putting the old one back must not
                    // rebuild the index again.
                    if (!(recordKey instanceof RecordKey.IndexRequestKey)) {
                        contents.onPut(recordKey, previous);
                    }
                }
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
                LOG.error("shard store {}: a record failed part-way and its write of {} could not be taken back; "
                        + "this shard may differ from its changelog until it is restored", name, recordKey, e);
            }
        }
    }

    /** Writes keep the in-memory view in step with the map: a start-up open has none. */
    private void requireView() {
        if (offsetsOnly) {
            throw new IllegalStateException("shard store " + name + " was opened by Kafka Streams' start-up for its "
                    + "offsets only and has no in-memory view");
        }
    }

    private void advancePosition() {
        if (context == null) {
            return;
        }
        java.util.Optional<RecordMetadata> meta = context.recordMetadata();
        if (meta.isPresent() && meta.get().topic() != null) {
            position = position.withComponent(meta.get().topic(), meta.get().partition(), meta.get().offset());
        }
    }

    @Override
    public byte[] get(final Bytes key) {
        return map.get(key.get());
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(final Bytes from, final Bytes to) {
        return snapshot(key -> (from == null || key.compareTo(from) >= 0) && (to == null || key.compareTo(to) <= 0),
                false);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(final Bytes from, final Bytes to) {
        return snapshot(key -> (from == null || key.compareTo(from) >= 0) && (to == null || key.compareTo(to) <= 0),
                true);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return snapshot(key -> true, false);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        return snapshot(key -> true, true);
    }

    /**
     * Keys starting with {@code prefix}. A prefix naming a library's documents or chunks, or a
     * document's chunks ({@link RecordKey#documentsOf}, {@link RecordKey#chunksOf}), is answered
     * from the ordered ids without touching the other records; any other prefix scans the map.
     */
    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(final P prefix,
                                                                                    final PS prefixKeySerializer) {
        byte[] bytes = prefixKeySerializer.serialize(null, prefix);
        List<? extends RecordKey> keys = keysForPrefix(bytes);
        if (keys == null) {
            Bytes p = Bytes.wrap(bytes);
            return snapshot(key -> startsWith(key.get(), p.get()), false);
        }
        List<KeyValue<Bytes, byte[]>> entries = new ArrayList<>(keys.size());
        for (RecordKey key : keys) {
            byte[] k = key.encode();
            byte[] value = map.get(k);
            if (value != null) {
                entries.add(KeyValue.pair(Bytes.wrap(k), value));
            }
        }
        return new ListIterator(entries);
    }

    private List<? extends RecordKey> keysForPrefix(final byte[] prefix) {
        requireView();
        if (prefix.length == 0) {
            return null;
        }
        // A prefix of one id (or two) is a library key (or document key) with another tag byte.
        RecordKey asLibrary = decodeWithTag(prefix, RecordKey.LIBRARY);
        RecordKey asDocument = decodeWithTag(prefix, RecordKey.DOCUMENT);
        if (prefix[0] == RecordKey.DOCUMENT && asLibrary instanceof LibraryKey lib) {
            return contents.documentKeys(lib.libraryId());
        }
        if (prefix[0] == RecordKey.CHUNK && asLibrary instanceof LibraryKey lib) {
            return contents.chunkKeys(lib.libraryId(), null);
        }
        if (prefix[0] == RecordKey.CHUNK && asDocument instanceof DocumentKey doc) {
            return contents.chunkKeys(doc.libraryId(), doc.documentId());
        }
        return null;
    }

    private static RecordKey decodeWithTag(final byte[] prefix, final byte tag) {
        byte[] copy = prefix.clone();
        copy[0] = tag;
        try {
            return RecordKey.decode(copy);
        } catch (IllegalArgumentException notThatShape) {
            return null;
        }
    }

    private static boolean startsWith(final byte[] key, final byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private KeyValueIterator<Bytes, byte[]> snapshot(final Predicate<Bytes> include, final boolean reverse) {
        List<KeyValue<Bytes, byte[]>> entries = new ArrayList<>();
        map.forEach((k, v) -> {
            Bytes key = Bytes.wrap(k);
            if (include.test(key)) {
                entries.add(KeyValue.pair(Bytes.wrap(k.clone()), v.clone())); // forEach reuses arrays
            }
        });
        Comparator<KeyValue<Bytes, byte[]>> byKey = Comparator.comparing(kv -> kv.key);
        entries.sort(reverse ? byKey.reversed() : byKey);
        return new ListIterator(entries);
    }

    @Override
    public long approximateNumEntries() {
        return map == null ? 0 : map.longSize();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> QueryResult<R> query(final Query<R> query, final PositionBound positionBound, final QueryConfig config) {
        if (!(query instanceof ShardQuery<?> shardQuery)) {
            return QueryResult.forUnknownQueryType(query, this);
        }
        openGuard.readLock().lock();
        try {
            if (!isOpen() || offsetsOnly) {
                // Closing for a rebalance or shutdown: like a shard that moved away, try again.
                return QueryResult.forFailure(org.apache.kafka.streams.query.FailureReason.NOT_ACTIVE,
                        "shard store " + name + " is closed");
            }
            Object answer = shardQuery instanceof ShardQuery.Watermarks && replayingThrough >= 0
                    ? Map.of() // re-applying older records: what the watermarks promise may be undone meanwhile
                    : contents.answer(shardQuery);
            QueryResult<R> result = QueryResult.forResult((R) answer);
            result.setPosition(position.copy());
            return result;
        } finally {
            openGuard.readLock().unlock();
        }
    }

    @Override
    public Position getPosition() {
        return position;
    }

    @Override
    public void flush() {
        // Every write is already in the memory-mapped file; the OS writes it back.
    }

    /**
     * Closes the map once no reader is inside it: reading an unmapped file would crash the JVM. A
     * start-up open with records is not closed but left, open, for its task ({@link StartupHandoff}),
     * its view built meanwhile.
     */
    @Override
    public void close() {
        if (viewInBackground != null) {
            return; // left for the task already
        }
        if (offsetsOnly && map != null && !isNeverUsed(map)) {
            leftFileKey = fileKey(new File(dir, FILE_NAME));
            if (leftFileKey != null) {
                viewInBackground = new CompletableFuture<>();
                Thread.ofPlatform().daemon().name("shard-view-" + context.taskId()).start(() -> {
                    try {
                        viewInBackground.complete(rebuildContents(dir.toPath()));
                    } catch (RuntimeException | Error e) {
                        viewInBackground.completeExceptionally(e);
                    }
                });
                StartupHandoff.leave(dir.toPath().toAbsolutePath().normalize(), this);
                return;
            }
        }
        closeFiles(true);
    }

    /**
     * Closes a store left at start-up ({@link StartupHandoff}).
     *
     * @param cleanClose whether to write the clean-close record, as {@link #close} would have; only
     *                   if the file on disk is still the one open here and its view could be built
     *                   from it, since the record vouches for what is on disk
     */
    void closeLeft(final boolean cleanClose) {
        boolean readable = true;
        if (viewInBackground != null) {
            // Not while its thread still reads the map.
            readable = viewInBackground.handle((view, failure) -> failure == null).join();
        }
        closeFiles(cleanClose && readable && hasOpen(new File(dir, FILE_NAME)));
    }

    private boolean isNeverUsed(final ChronicleMap<byte[], byte[]> m) {
        return committed.isEmpty() && m.longSize() == 0;
    }

    private void closeFiles(final boolean recordCleanClose) {
        openGuard.writeLock().lock();
        try {
            ChronicleMap<byte[], byte[]> m = map;
            map = null;
            ShardContents dropped = contents;
            if (dropped != null) {
                dropped.releaseAll();
            }
            if (viewInBackground != null && viewInBackground.isDone() && !viewInBackground.isCompletedExceptionally()) {
                ShardContents leftView = viewInBackground.join();
                if (leftView != dropped) {
                    leftView.releaseAll(); // built for a task that did not take it
                }
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
                    io.vectorstream.util.Directories.deleteQuietly(dir.toPath());
                } else if (recordCleanClose) {
                    CleanClose.write(dir.toPath(), new File(dir, FILE_NAME).toPath(), committed);
                }
            }
        } finally {
            openGuard.writeLock().unlock();
        }
    }

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public boolean isOpen() {
        return map != null && map.isOpen();
    }

    /** A {@link KeyValueIterator} over a materialised list. */
    private static final class ListIterator implements KeyValueIterator<Bytes, byte[]> {
        private final Iterator<KeyValue<Bytes, byte[]>> it;
        private final List<KeyValue<Bytes, byte[]>> entries;
        private int next;

        ListIterator(final List<KeyValue<Bytes, byte[]>> entries) {
            this.entries = entries;
            this.it = entries.iterator();
        }

        @Override
        public boolean hasNext() {
            return it.hasNext();
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            next++;
            return it.next();
        }

        @Override
        public Bytes peekNextKey() {
            if (next >= entries.size()) {
                throw new NoSuchElementException();
            }
            return entries.get(next).key;
        }

        @Override
        public void close() {
        }
    }
}
