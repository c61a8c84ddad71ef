package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.store.ShardQuery;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A restarted instance reopens its shard files when they were closed cleanly and are intact, and
 * restores them from the changelog when they were lost or damaged, instead of serving what is left
 * (real broker, exactly-once, restart on the same state folder).
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own topics and state: runs beside other tests
class ShardFileRecoveryIntegrationTest {

    private static final int CHUNKS = 40;

    private static PipelineHarness pipelineWithChunks() {
        PipelineHarness pipeline = PipelineHarness.start();
        Random random = new Random(3);
        pipeline.publish("lib", PipelineHarness.library("lib", 4, "cosine"));
        ConsistencyToken last = null;
        for (int i = 0; i < CHUNKS; i++) {
            float[] v = {random.nextFloat(), random.nextFloat(), random.nextFloat(), 1f};
            last = pipeline.publish("lib", PipelineHarness.chunk("lib", "doc-" + (i % 5), "c" + i, v, "t" + i));
        }
        pipeline.await(last);
        assertEquals(CHUNKS, chunkCount(pipeline));
        return pipeline;
    }

    /** Chunks of the library over all shards, or -1 while a shard cannot answer yet. */
    private static int chunkCount(final PipelineHarness pipeline) {
        try {
            Map<Integer, Optional<ShardQuery.LibraryStats>> stats =
                    pipeline.shards().query(new ShardQuery.GetLibrary("lib"), null);
            return stats.values().stream().mapToInt(s -> s.map(ShardQuery.LibraryStats::chunkCount).orElse(0)).sum();
        } catch (RuntimeException notReadyYet) {
            return -1;
        }
    }

    private static int awaitChunkCount(final PipelineHarness pipeline, final int expected) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int count;
        while ((count = chunkCount(pipeline)) != expected && System.nanoTime() < deadline) {
            PipelineHarness.sleep(100);
        }
        return count;
    }

    private static List<Path> shardFiles(final Path stateDir) throws IOException {
        try (Stream<Path> files = Files.walk(stateDir)) {
            return files.filter(p -> p.getFileName().toString().equals("shard.cm")).toList();
        }
    }

    @Test
    void aCleanlyClosedInstanceReopensItsShardsWithoutReplayingTheChangelog() {
        PipelineHarness pipeline = pipelineWithChunks();
        pipeline.close();
        try (PipelineHarness restarted = pipeline.restartClosed()) {
            assertEquals(CHUNKS, awaitChunkCount(restarted, CHUNKS));
            assertEquals(0, restarted.restoredShardRecords(), "records restored into the shard stores");
        }
    }

    /** What is done to each shard file of a stopped instance. */
    private interface Tampering {
        void apply(Path file) throws IOException;
    }

    /**
     * Stops an instance with chunks, tampers with its shard files, starts it again and checks that
     * every chunk is back and came from the changelog; returns the running instance.
     */
    private static PipelineHarness restartAfter(final Tampering tampering) throws IOException {
        PipelineHarness restarted = restartWithChunksAfter(tampering);
        assertTrue(restarted.restoredShardRecords() >= CHUNKS, "restored " + restarted.restoredShardRecords());
        return restarted;
    }

    /** Stops an instance with chunks, tampers with its shard files, starts it again; checks every chunk is back. */
    private static PipelineHarness restartWithChunksAfter(final Tampering tampering) throws IOException {
        PipelineHarness pipeline = pipelineWithChunks();
        pipeline.close();
        List<Path> files = shardFiles(pipeline.stateDir());
        assertFalse(files.isEmpty());
        for (Path file : files) {
            tampering.apply(file);
        }
        PipelineHarness restarted = pipeline.restartClosed();
        assertEquals(CHUNKS, awaitChunkCount(restarted, CHUNKS));
        return restarted;
    }

    /** As a killed process leaves it: no clean-close record beside the shard file. */
    private static void notClosed(final Path shardFile) throws IOException {
        Files.delete(shardFile.resolveSibling("shard.clean"));
    }

    @Test
    void aShardFileLeftUnclosedIsReopenedWhenItHoldsEveryCommittedRecord() throws IOException {
        try (PipelineHarness restarted = restartWithChunksAfter(ShardFileRecoveryIntegrationTest::notClosed)) {
            assertEquals(0, restarted.restoredShardRecords(), "records restored into the shard stores");
        }
    }

    @Test
    void aShardFileLeftUnclosedWithoutARecordOfItsInputIsRestoredFromTheChangelog() throws IOException {
        restartAfter(file -> {
            notClosed(file);
            Files.delete(file.resolveSibling("shard.progress"));
        }).close();
    }

    @Test
    void aShardFileLeftUnclosedThatMissedCommittedRecordsIsRestoredFromTheChangelog() throws IOException {
        restartAfter(file -> {
            notClosed(file);
            // As if another instance had processed this shard further after the file's last write:
            // the file says it applied only the first input record.
            try (FileChannel progress = FileChannel.open(
                    file.resolveSibling("shard.progress"), StandardOpenOption.WRITE)) {
                progress.write(ByteBuffer.allocate(8).putLong(0, 0L), 4);
            }
        }).close();
    }

    @Test
    void missingShardFilesAreRestoredFromTheChangelog() throws IOException {
        restartAfter(Files::delete).close();
    }

    @Test
    void damagedShardFilesAreRestoredFromTheChangelogNotServedBroken() throws IOException {
        byte[] garbage = new byte[64 * 1024];
        new Random(9).nextBytes(garbage);
        // Header and segments overwritten, the rest cut off.
        try (PipelineHarness restarted = restartAfter(file -> Files.write(file, garbage))) {
            assertTrue(restarted.streams().state().isRunningOrRebalancing(), restarted.streams().state().toString());
        }
    }
}
