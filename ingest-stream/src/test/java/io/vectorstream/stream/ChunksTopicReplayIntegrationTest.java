package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.util.Directories;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The chunks topic is a log kept whole, so shards rebuilt from it alone hold exactly what they held
 * before, field for field, after overwrites, cascading deletes and a deleted library (real broker).
 * (The same replay after the log cleaner had compacted the topic resurrected a deleted document's
 * chunks and changed creation times: see {@link Topics#CHUNKS_CONFIGS}.)
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own topics and state: runs beside other tests
class ChunksTopicReplayIntegrationTest {

    @Test
    void shardsRebuiltFromTheChunksTopicAloneEqualTheOriginals() throws Exception {
        PipelineHarness pipeline = PipelineHarness.start();
        ConsistencyToken last = publishOverwritesAndDeletes(pipeline);
        pipeline.await(last);
        String before = ShardState.dump(pipeline.shards());
        assertTrue(before.contains("documents=5 chunks=36"), before);
        pipeline.close();

        try (Admin admin = RebuildIntegrationTest.admin()) {
            // No shard changelog, no local state, the chunks input read again from its first offset
            // (the events input stays where it is, so nothing new reaches the chunks topic).
            String applicationId = pipeline.settings().applicationId();
            String chunks = pipeline.topics().chunks();
            String changelog = applicationId + "-" + VectorstreamTopology.SHARD_STORE + "-changelog";
            admin.deleteTopics(List.of(changelog)).all().get(30, TimeUnit.SECONDS);
            while (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(changelog)) {
                PipelineHarness.sleep(100);
            }
            Map<TopicPartition, OffsetAndMetadata> fromStart = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                fromStart.put(new TopicPartition(chunks, p), new OffsetAndMetadata(0));
            }
            admin.alterConsumerGroupOffsets(applicationId, fromStart).all().get(30, TimeUnit.SECONDS);
            Directories.deleteRecursively(pipeline.stateDir().resolve(applicationId));

            try (PipelineHarness rebuilt = pipeline.restartClosed()) {
                RebuildIntegrationTest.awaitCaughtUp(admin, rebuilt);
                assertEquals(0, rebuilt.restoredShardRecords(), "nothing came from a changelog");
                assertEquals(before, RebuildIntegrationTest.awaitState(rebuilt, before));
            }
        }
    }

    /**
     * Every chunk written five times, some deleted, a document deleted, a library created and
     * deleted: most records of the chunks topic are superseded.
     */
    private static ConsistencyToken publishOverwritesAndDeletes(final PipelineHarness pipeline) {
        Random random = new Random(4);
        pipeline.publish("lib", PipelineHarness.library("lib", 4, "cosine"));
        pipeline.publish("gone", PipelineHarness.library("gone", 4, "cosine"));
        pipeline.publish("gone", PipelineHarness.chunk("gone", "d", "c", vector(random), "gone"));
        ConsistencyToken gone = pipeline.publish("gone", "{\"type\":\"library.deleted\",\"libraryId\":\"gone\"}");
        ConsistencyToken last = null;
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 48; i++) {
                last = pipeline.publish("lib", PipelineHarness.chunk("lib", "doc-" + (i % 6), "c" + i, vector(random),
                        "round " + round));
            }
        }
        for (int i = 0; i < 48; i += 12) {
            pipeline.publish("lib", "{\"type\":\"chunk.deleted\",\"libraryId\":\"lib\",\"documentId\":\"doc-"
                    + (i % 6) + "\",\"chunkId\":\"c" + i + "\"}");
        }
        last = pipeline.publish("lib", "{\"type\":\"document.deleted\",\"libraryId\":\"lib\",\"documentId\":\"doc-5\"}");
        return RebuildIntegrationTest.both(last, gone);
    }

    private static float[] vector(final Random random) {
        return new float[] {random.nextFloat(), random.nextFloat(), random.nextFloat(), 1f};
    }
}
