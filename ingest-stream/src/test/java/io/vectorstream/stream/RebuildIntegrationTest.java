package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.testing.KafkaFixture;
import io.vectorstream.util.Directories;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Resetting the application and replaying the events topic gives back the same libraries,
 * documents and chunks, field for field (real broker, exactly-once), and a reset refuses to run
 * under a running instance.
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own topics and state: runs beside other tests
class RebuildIntegrationTest {

    @Test
    void aResetApplicationReplaysTheEventsIntoTheSameState() {
        PipelineHarness pipeline = PipelineHarness.start();
        ConsistencyToken last = publishHistory(pipeline);
        pipeline.await(last);
        String before = ShardState.dump(pipeline.shards());
        assertTrue(before.contains("documents=4 chunks=30"), before);
        pipeline.deadLetters(1);

        try (Admin admin = admin()) {
            List<String> lines = new ArrayList<>();
            assertThrows(ApplicationReset.StillRunningException.class,
                    () -> ApplicationReset.reset(admin, pipeline.settings(), lines::add));
            assertTrue(lines.isEmpty(), "nothing is done while an instance runs: " + lines);
            pipeline.close();

            ApplicationReset.reset(admin, pipeline.settings(), lines::add);
            assertEquals(0, ReplayLag.measure(admin, pipeline.settings().applicationId(), pipeline.topics())
                    .eventsDone(), "offsets start over");
            try (PipelineHarness rebuilt = pipeline.restartClosed()) {
                awaitCaughtUp(admin, rebuilt);
                // Offsets are committed when the events are read; the shards apply them at their
                // next watermark, so the state is compared once the history's token is applied.
                rebuilt.await(last);
                assertEquals(before, ShardState.dump(rebuilt.shards()));
            }
        }
    }

    /**
     * The changelogs and the chunks topic a reset deletes are the only other copy of what the
     * events built: with a retention limit on the events topic, or events already gone from its
     * start, the reset refuses before it deletes anything.
     */
    @Test
    void aResetRefusesWhenTheEventsTopicCannotBuildEverythingAgain() throws Exception {
        PipelineHarness pipeline = PipelineHarness.start();
        pipeline.await(publishHistory(pipeline));
        pipeline.close();
        String events = pipeline.topics().events();
        ConfigResource eventsConfig = new ConfigResource(ConfigResource.Type.TOPIC, events);
        try (Admin admin = admin()) {
            String group = pipeline.settings().applicationId();
            var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            assertTrue(!committed.isEmpty());

            admin.incrementalAlterConfigs(Map.of(eventsConfig, List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "604800000"), AlterConfigOp.OpType.SET))))
                    .all().get();
            assertEquals("604800000", TopicConfigIntegrationTest.configOnceChanged(admin, events,
                    TopicConfig.RETENTION_MS_CONFIG, "604800000"));
            Topics.MisconfiguredException limited = assertThrows(Topics.MisconfiguredException.class,
                    () -> ApplicationReset.reset(admin, pipeline.settings(), line -> { }));
            assertTrue(limited.getMessage().contains("retention.ms is 604800000"), limited.getMessage());

            admin.incrementalAlterConfigs(Map.of(eventsConfig, List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "-1"), AlterConfigOp.OpType.SET)))).all().get();
            assertEquals("-1", TopicConfigIntegrationTest.configOnceChanged(admin, events,
                    TopicConfig.RETENTION_MS_CONFIG, "-1"));
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                latest.put(new TopicPartition(events, p), OffsetSpec.latest());
            }
            TopicPartition written = admin.listOffsets(latest).all().get().entrySet().stream()
                    .filter(e -> e.getValue().offset() > 0).map(Map.Entry::getKey).findFirst().orElseThrow();
            admin.deleteRecords(Map.of(written, RecordsToDelete.beforeOffset(1))).all().get();
            ApplicationReset.RefusedException truncated = assertThrows(ApplicationReset.RefusedException.class,
                    () -> ApplicationReset.reset(admin, pipeline.settings(), line -> { }));
            assertTrue(truncated.getMessage().contains("partition " + written.partition() + " starts at offset 1"),
                    truncated.getMessage());

            assertEquals(committed, admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(),
                    "the committed offsets are still there");
            assertTrue(admin.listTopics().names().get().contains(pipeline.topics().chunks()), "so is the chunks topic");
        }
    }

    /**
     * A rebuild run on another data folder recreates the changelogs; an instance whose files were
     * written against the old ones must not trust them (their offsets name positions in a topic
     * that is gone) and restores the rebuilt state instead.
     */
    @Test
    void anInstanceOnAnotherDataFolderRestoresTheRebuiltStateInsteadOfItsOldFiles() {
        PipelineHarness pipeline = PipelineHarness.start();
        pipeline.await(publishHistory(pipeline));
        pipeline.close();

        try (Admin admin = admin()) {
            IngestStreams.Settings elsewhere = new IngestStreams.Settings(pipeline.settings().bootstrapServers(),
                    Directories.temporary("vectorstream-rebuild-elsewhere"), "127.0.0.1:2",
                    pipeline.topics(), pipeline.settings().applicationId(), 3, (short) 1,
                    pipeline.settings().storeOptions(), pipeline.settings().models(), pipeline.settings().limits(), Map.of());
            ApplicationReset.reset(admin, elsewhere, line -> { });
            String rebuiltState;
            ConsistencyToken deletion;
            try (PipelineHarness rebuild = PipelineHarness.startWith(elsewhere)) {
                // Written while the first instance is stopped: only the rebuilt state has it.
                deletion = rebuild.publish("a",
                        "{\"type\":\"document.deleted\",\"libraryId\":\"a\",\"documentId\":\"doc-2\"}");
                awaitCaughtUp(admin, rebuild);
                rebuild.await(deletion);
                rebuiltState = ShardState.dump(rebuild.shards());
            }
            assertTrue(rebuiltState.contains("documents=3 "), rebuiltState);

            try (PipelineHarness restarted = pipeline.restartClosed()) {
                awaitCaughtUp(admin, restarted);
                restarted.await(deletion);
                assertEquals(rebuiltState, ShardState.dump(restarted.shards()));
            }
        }
    }

    /**
     * Two libraries, chunks written, rewritten and deleted, a deleted document and a rejected
     * event: library "a" ends with 4 documents and 30 chunks.
     */
    private static ConsistencyToken publishHistory(final PipelineHarness pipeline) {
        Random random = new Random(11);
        pipeline.publish("a", PipelineHarness.library("a", 4, "cosine"));
        pipeline.publish("b", PipelineHarness.library("b", 4, "l2"));
        ConsistencyToken last = null;
        for (int i = 0; i < 60; i++) {
            String library = i % 3 == 0 ? "b" : "a";
            last = both(last, pipeline.publish(library, PipelineHarness.chunk(library, "doc-" + (i % 6), "c" + i, vector(random),
                    "text " + i)));
        }
        for (int i = 1; i < 60; i += 6) {
            last = both(last, pipeline.publish("a", PipelineHarness.chunk("a", "doc-" + (i % 6), "c" + i,
                    vector(random), "rewritten " + i)));
        }
        pipeline.publish("a", "{\"type\":\"chunk.deleted\",\"libraryId\":\"a\",\"documentId\":\"doc-2\",\"chunkId\":\"c2\"}");
        pipeline.publish("a", "{\"type\":\"document.deleted\",\"libraryId\":\"a\",\"documentId\":\"doc-1\"}");
        pipeline.publish("a", "{\"type\":\"chunk.upserted\",\"libraryId\":\"a\"}");
        return both(last, pipeline.publish("a", PipelineHarness.chunk("a", "doc-7", "late", vector(random), "late")));
    }

    /** A token satisfied once both are ({@code x} may be null). */
    static ConsistencyToken both(final ConsistencyToken x, final ConsistencyToken y) {
        if (x == null) {
            return y;
        }
        Map<Integer, Long> offsets = new HashMap<>(x.offsets());
        y.offsets().forEach((partition, offset) -> offsets.merge(partition, offset, Math::max));
        return new ConsistencyToken(offsets);
    }

    private static float[] vector(final Random random) {
        return new float[] {random.nextFloat(), random.nextFloat(), random.nextFloat(), 0.5f};
    }

    static void awaitCaughtUp(final Admin admin, final PipelineHarness pipeline) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        ReplayLag lag;
        while (!(lag = ReplayLag.measure(admin, pipeline.settings().applicationId(), pipeline.topics())).caughtUp()
                || ShardState.chunkCount(pipeline.shards()) < 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("replay not caught up in 60 s: " + lag);
            }
            PipelineHarness.sleep(100);
        }
    }

    /**
     * The shards' state once it equals {@code expected}, or as it is after 30 s: offsets are
     * committed when records are read, the shards apply them at their next watermark.
     */
    static String awaitState(final PipelineHarness pipeline, final String expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String state = ShardState.dump(pipeline.shards());
        while (!state.equals(expected) && System.nanoTime() < deadline) {
            PipelineHarness.sleep(100);
            state = ShardState.dump(pipeline.shards());
        }
        return state;
    }

    static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers()));
    }
}
