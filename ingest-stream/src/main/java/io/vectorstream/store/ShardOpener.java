package io.vectorstream.store;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a shard's file, deciding whether to trust it or to wipe it: a file closed cleanly
 * ({@link CleanClose}), or left by a killed process that applied every committed record
 * ({@link UncleanReopen}, {@link ApplyProgress}, {@link KilledFileRecovery}), and written against
 * the changelog that exists now ({@link ChangelogIdentity}), is opened as it is; any other is
 * deleted and the shard starts empty, for Kafka Streams to restore from the changelog.
 */
final class ShardOpener {

    /** Its lines are the shard store's. */
    private static final Logger LOG = LoggerFactory.getLogger(ChronicleShardStore.class);

    private final String name;
    private final ShardStoreOptions options;
    private final boolean verifyChangelog;

    /**
     * @param verifyChangelog whether to check that the changelog topic is the one the file was
     *                        written with ({@link OpenChecks#verifyChangelog})
     */
    ShardOpener(final String name, final ShardStoreOptions options, final boolean verifyChangelog) {
        this.name = name;
        this.options = options;
        this.verifyChangelog = verifyChangelog;
    }

    /**
     * Opens the shard in {@code dir} for the task of {@code context}.
     *
     * @param offsetsOnly a start-up open ({@link OpenShard#offsetsOnly}): no in-memory view
     */
    OpenShard open(final StateStoreContext context, final File dir, final boolean offsetsOnly) {
        OpenShard shard = new OpenShard(name, dir, offsetsOnly, options);
        try (ShardKafka kafka = ShardKafka.of(context, name)) {
            openTrusted(context, shard, kafka);
        }
        return shard;
    }

    /**
     * Opens the shard file when it can be trusted (closed cleanly, or left by a killed process
     * that applied every committed record, and written against the changelog that exists now);
     * otherwise deletes it and opens an empty one, which Kafka Streams restores from the changelog.
     */
    private void openTrusted(final StateStoreContext stateStoreContext, final OpenShard shard, final ShardKafka kafka) {
        File dir = shard.dir;
        File file = shard.file();
        CleanClose.Outcome previous = CleanClose.readAndRemove(dir.toPath(), file.toPath());
        boolean killed = previous.notClosed();
        ApplyProgress.Snapshot lastRun = ApplyProgress.read(dir.toPath()).orElse(null);
        boolean reprocesses = false;
        if (killed) {
            UncleanReopen.Decision decision = UncleanReopen.decide(lastRun, kafka, !shard.offsetsOnly);
            if (decision.deferred()) {
                // The file is left untouched and unopened, without a clean-close record, for the
                // task's open to decide; Kafka Streams gets offsets to estimate the lag with.
                LOG.debug("shard store {} of task {}: start-up leaves the killed process's file for the task to "
                        + "decide on (its committed input offset is pending)", name, stateStoreContext.taskId());
                shard.committed.putAll(decision.outcome().offsets());
                return;
            }
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
        shard.committed.clear();
        shard.committed.putAll(previous.offsets());
        shard.replayingThrough = reprocesses && previous.trusted() ? lastRun.applied() : -1;
        if (!file.exists()) {
            IvfTrainings.deleteAll(dir.toPath()); // a new, empty shard (or its file was deleted by hand)
        }
        try {
            shard.map = open(file, killed && previous.trusted());
            shard.contents = shard.offsetsOnly ? null : shard.buildView();
        } catch (RuntimeException e) {
            // Trusted, yet not readable: start over from the changelog rather than fail the task.
            LOG.warn("shard store {} of task {} starts empty and is restored from its whole changelog: "
                    + "its file cannot be read ({})", name, stateStoreContext.taskId(), e.toString());
            if (shard.map != null) {
                shard.map.close();
            }
            IvfTrainings.deleteAll(dir.toPath());
            deleteFile(file);
            shard.committed.clear();
            shard.replayingThrough = -1;
            shard.map = open(file, false);
            shard.contents = shard.offsetsOnly ? null : shard.buildView();
        }
        shard.progress = ApplyProgress.open(dir.toPath(), !shard.committed.isEmpty());
        if (verifyChangelog) {
            ChangelogIdentity.record(dir.toPath(), changelogId);
        }
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
     * Makes Chronicle Map generate and load its code now, on a background thread, with a small map
     * in memory: the first map a process opens pays about 3 s for that (measured on a killed
     * restart at 200k chunks: 3.4-3.8 s to recover the first shard file, 0.1-0.4 s the others),
     * and the first shard is opened on Kafka Streams' start-up path, where everything waits.
     */
    static void prepareInBackground() {
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
}
