package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.store.ShardQuery;
import io.vectorstream.stream.ConsistencyToken;
import io.vectorstream.stream.PipelineHarness;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code vectorstream dlq}: dead letters counted by reason, listed, and replayed once their cause is fixed. */
@Tag("integration")
class DeadLetterCommandIntegrationTest {

    @Test
    void deadLettersAreCountedListedAndReplayedOnceTheirCauseIsFixed() {
        try (PipelineHarness pipeline = PipelineHarness.start()) {
            String kafka = pipeline.settings().bootstrapServers();
            String dlq = pipeline.topics().deadLetter();
            pipeline.publish("later", PipelineHarness.chunk("later", "d", "c1", new float[] {1, 0}, "first"));
            pipeline.publish("later", PipelineHarness.chunk("later", "d", "c2", new float[] {0, 1}, "second"));
            pipeline.publish("other", "{not json");
            assertEquals(3, pipeline.deadLetters(3).size());

            String counted = run("count", "--kafka", kafka, "--topic", dlq);
            assertTrue(counted.contains("3 dead letters"), counted);
            assertTrue(counted.contains("       2  unknown library '…'  [libraryId]"), counted);
            assertTrue(counted.contains("       1  malformed JSON"), counted);

            String listed = run("list", "--kafka", kafka, "--topic", dlq, "--reason", "unknown library", "--values");
            assertTrue(listed.contains(pipeline.topics().events() + "-"), listed);
            assertTrue(listed.contains("\"chunkId\":\"c2\""), listed);
            assertEquals(2, listed.lines().filter(line -> line.contains("unknown library 'later'")).count(), listed);

            assertThrows(Options.UsageException.class, () -> run("replay", "--kafka", kafka, "--topic", dlq),
                    "replay without a choice sends nothing");
            pipeline.await(pipeline.publish("later", PipelineHarness.library("later", 2, "dot")));
            String replayed = run("replay", "--kafka", kafka, "--topic", dlq, "--reason", "unknown library",
                    "--events-topic", pipeline.topics().events());
            assertTrue(replayed.contains("replayed 2 dead letter(s)"), replayed);
            String token = replayed.lines().filter(line -> line.contains(" -> ")).reduce((a, b) -> b).orElseThrow()
                    .split(" -> ")[1];
            pipeline.await(ConsistencyToken.parse(token));
            for (String chunk : List.of("c1", "c2")) {
                assertTrue(pipeline.shards().query(new ShardQuery.GetChunk("later", "d", chunk), null).values().stream()
                        .anyMatch(Optional::isPresent), chunk);
            }
            assertTrue(run("count", "--kafka", kafka, "--topic", dlq).contains("3 dead letters"),
                    "the dead-letter topic is left as it was");
        }
    }

    private static String run(final String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DeadLetterCommand.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
