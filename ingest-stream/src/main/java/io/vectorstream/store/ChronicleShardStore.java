package io.vectorstream.store;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
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
 * the same writes as {@link #put}/{@link #delete} ({@link ChangelogRestore}), so the derived view
 * is exact after a restore too.
 *
 * <p>This class adapts Kafka Streams' store interface to the parts that do the work: the open
 * ({@link ShardOpener}, or {@link StartupHandoff} when a start-up open left the shard open), the
 * writes ({@link ShardWrites}, a record's writes all or nothing), the deferred index training
 * ({@link DeferredTraining}), the scans ({@link ShardScans}) and the IQv2 queries
 * ({@link ShardQueryHandler}). Point reads go straight to the map (thread-safe).
 */
public final class ChronicleShardStore implements KeyValueStore<Bytes, byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(ChronicleShardStore.class);

    private final String name;
    private final ShardStoreOptions options;
    private final OpenChecks checks;
    /** Set once opened ({@link #init}); kept after {@link #close}, which closes its map. */
    private volatile OpenShard shard;
    private ShardWrites writes;
    private DeferredTraining training;
    private volatile Position position = Position.emptyPosition();
    private StateStoreContext context;
    /** Closed by Kafka Streams' start-up and left open for its task ({@link StartupHandoff}). */
    private boolean leftForTask;

    public ChronicleShardStore(final String name, final ShardStoreOptions options) {
        this(name, options, OpenChecks.KAFKA_STREAMS);
    }

    /** @param checks how the open is told apart and checked; Kafka Streams' own but in tests of the store alone */
    ChronicleShardStore(final String name, final ShardStoreOptions options, final OpenChecks checks) {
        this.name = name;
        this.options = options;
        this.checks = checks;
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
        boolean offsetsOnly = checks.startupOpen().test(stateStoreContext);
        OpenShard opened = StartupHandoff.takeOver(name, dir, offsetsOnly);
        boolean tookOver = opened != null;
        if (!tookOver) {
            opened = new ShardOpener(name, options, checks.verifyChangelog()).open(stateStoreContext, dir, offsetsOnly);
        }
        shard = opened;
        writes = new ShardWrites(opened);
        training = new DeferredTraining(opened, options.trainingDelay());
        LOG.debug("opened shard store {} for task {} with {} records{} in {} ms", name, stateStoreContext.taskId(),
                opened.map == null ? 0 : opened.map.size(), offsetsOnly ? " (start-up: offsets only)"
                        : tookOver ? " (as opened at start-up, view built meanwhile)" : "",
                (System.nanoTime() - start) / 1_000_000);
        stateStoreContext.register(root, new ChangelogRestore(name, writes));
    }

    /** Changelog records any shard store of this process skipped while restoring because they could not be read. */
    public static long skippedOnRestore() {
        return ChangelogRestore.skipped();
    }

    /**
     * Makes Chronicle Map generate and load its code now, on a background thread
     * ({@link ShardOpener#prepareInBackground}): the first shard is opened on Kafka Streams'
     * start-up path, where everything waits.
     */
    public static void prepareInBackground() {
        ShardOpener.prepareInBackground();
    }

    /**
     * Closes the shard stores Kafka Streams' start-up opened under {@code stateDir} that no task
     * took, once that instance has stopped.
     */
    public static void closeStartupStoresNotTaken(final Path stateDir) {
        StartupHandoff.closeAll(stateDir.toAbsolutePath().normalize());
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
    public void commit(final Map<TopicPartition, Long> changelogOffsets) {
        OpenShard open = shard;
        if (open != null) { // else nothing to commit: the open sets the offsets its file holds
            open.committed.putAll(changelogOffsets);
        }
    }

    @Override
    public Long committedOffset(final TopicPartition partition) {
        OpenShard open = shard;
        return open == null ? null : open.committed.get(partition);
    }

    @Override
    public void put(final Bytes key, final byte[] value) {
        if (value == null) {
            delete(key);
            return;
        }
        writes.write(key.get(), value);
        advancePosition();
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
     * Applies every write of one input record, all or none ({@link ShardWrites#putAll}), then
     * records that record as applied ({@link ApplyProgress}): {@link io.vectorstream.stream.ShardWriter}
     * makes one call per record, even an empty one, so that a file left by a kill can say which
     * records it holds whole. Then the writer may train an index ({@link DeferredTraining}).
     */
    @Override
    public void putAll(final List<KeyValue<Bytes, byte[]>> entries) {
        writes.putAll(entries);
        advancePosition();
        Optional<RecordMetadata> meta = context == null ? Optional.empty() : context.recordMetadata();
        if (meta.isPresent() && meta.get().topic() != null && meta.get().offset() >= 0) {
            shard.applied(meta.get().topic(), meta.get().partition(), meta.get().offset());
        }
        training.afterRecord();
    }

    @Override
    public byte[] delete(final Bytes key) {
        byte[] old = writes.remove(key.get());
        advancePosition();
        return old;
    }

    private void advancePosition() {
        if (context == null) {
            return;
        }
        Optional<RecordMetadata> meta = context.recordMetadata();
        if (meta.isPresent() && meta.get().topic() != null) {
            position = position.withComponent(meta.get().topic(), meta.get().partition(), meta.get().offset());
        }
    }

    @Override
    public byte[] get(final Bytes key) {
        return shard.map.get(key.get());
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(final Bytes from, final Bytes to) {
        return ShardScans.range(shard, from, to, false);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(final Bytes from, final Bytes to) {
        return ShardScans.range(shard, from, to, true);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return ShardScans.all(shard, false);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        return ShardScans.all(shard, true);
    }

    /** Keys starting with {@code prefix}: see {@link ShardScans#prefix}. */
    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(final P prefix,
                                                                                    final PS prefixKeySerializer) {
        return ShardScans.prefix(shard, prefixKeySerializer.serialize(null, prefix));
    }

    @Override
    public long approximateNumEntries() {
        OpenShard open = shard;
        return open == null || open.map == null ? 0 : open.map.longSize();
    }

    @Override
    public <R> QueryResult<R> query(final Query<R> query, final PositionBound positionBound, final QueryConfig config) {
        return ShardQueryHandler.handle(query, this, shard, position);
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
        if (leftForTask) {
            return; // left for the task already
        }
        OpenShard open = shard;
        if (open == null) {
            return; // never opened
        }
        if (open.offsetsOnly && StartupHandoff.leave(open, context.taskId())) {
            leftForTask = true;
            return;
        }
        open.close(true, null);
    }

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public boolean isOpen() {
        OpenShard open = shard;
        return open != null && open.isOpen();
    }
}
