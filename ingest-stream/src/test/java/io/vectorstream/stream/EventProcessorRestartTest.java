package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.embed.Models;
import io.vectorstream.embed.TestModel;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import io.vectorstream.schema.Limits;
import io.vectorstream.util.Pause;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Events held for a batch when a task stops are in the pending store; whoever initialises the
 * task next (a new processor after a restart, or the same one revived) processes each exactly once.
 * And when watermarks go out: at once, with a commit, for a lone write; by the punctuation under load.
 */
class EventProcessorRestartTest {

    private static final String LIBRARIES = "libraries";
    private static final String PENDING = "pending";
    private static final String PROGRESS = "progress";

    private Models models;
    private KeyValueStore<String, byte[]> libraries;
    private KeyValueStore<byte[], byte[]> pending;
    private KeyValueStore<String, byte[]> progress;

    @BeforeEach
    void stores() {
        models = new Models(TestModel.dir().getParent(), null, 0);
        libraries = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(LIBRARIES), Serdes.String(),
                Serdes.ByteArray()).withLoggingDisabled().build();
        pending = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PENDING), Serdes.ByteArray(),
                Serdes.ByteArray()).withLoggingDisabled().build();
        progress = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PROGRESS), Serdes.String(),
                Serdes.ByteArray()).withLoggingDisabled().build();
    }

    @AfterEach
    void close() {
        models.close();
    }

    private MockProcessorContext<byte[], byte[]> context() {
        MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(0); // the stream thread's clock: still unless a test moves it
        libraries.init(context.getStateStoreContext(), libraries);
        pending.init(context.getStateStoreContext(), pending);
        progress.init(context.getStateStoreContext(), progress);
        context.addStateStore(libraries);
        context.addStateStore(pending);
        context.addStateStore(progress);
        return context;
    }

    private EventProcessor processor(final MockProcessorContext<byte[], byte[]> context) {
        return processor(context, TextEmbedding.of(models));
    }

    private EventProcessor processor(final MockProcessorContext<byte[], byte[]> context,
                                     final TextEmbedding embedding) {
        EventProcessor processor = new EventProcessor(LIBRARIES, PENDING, PROGRESS, embedding,
                Limits.DEFAULT);
        processor.init(context);
        return processor;
    }

    private static void send(final EventProcessor processor, final MockProcessorContext<byte[], byte[]> context,
                             final long offset, final String json) {
        context.setRecordMetadata("events", 0, offset);
        processor.process(new Record<>("t".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8),
                offset));
    }

    private static void punctuateTwice(final MockProcessorContext<byte[], byte[]> context) {
        for (int i = 0; i < 2; i++) {
            context.scheduledPunctuators().getLast().getPunctuator().punctuate(1_000L * (i + 1));
        }
    }

    /**
     * Punctuates, a real 10 ms apart, until {@code chunks} chunk records were forwarded: the second
     * punctuation gives the held events to the embedding thread, a later one forwards them.
     */
    private static void punctuateUntilForwarded(final MockProcessorContext<byte[], byte[]> context,
                                                final int chunks) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (int i = 1; chunksForwarded(context).size() < chunks; i++) {
            assertTrue(System.nanoTime() < deadline, "not forwarded within 30 s");
            context.scheduledPunctuators().getLast().getPunctuator().punctuate(1_000L * i);
            Pause.millis(10, "the embedding thread");
        }
    }

    /** Ids of the chunk records forwarded to the shards. */
    private static List<String> chunksForwarded(final MockProcessorContext<byte[], byte[]> context) {
        return context.forwarded(VectorstreamTopology.SHARDS_SINK).stream()
                .map(forward -> RecordKey.decode((byte[]) forward.record().key()))
                .filter(key -> key instanceof RecordKey.ChunkKey)
                .map(key -> ((RecordKey.ChunkKey) key).chunkId())
                .toList();
    }

    private void holdThreeTextEvents(final EventProcessor processor, final MockProcessorContext<byte[], byte[]> context) {
        send(processor, context, 0, """
                {"type":"library.upserted","libraryId":"t","payload":{"name":"t","model":"all-minilm-l6-v2"}}""");
        for (int i = 1; i <= 3; i++) {
            send(processor, context, i, """
                    {"type":"chunk.upserted","libraryId":"t","documentId":"d","chunkId":"c%d","payload":{"text":"text %d"}}"""
                    .formatted(i, i));
        }
        assertEquals(List.of(), chunksForwarded(context), "held for the batch");
        assertEquals(3, pending.approximateNumEntries());
    }

    @Test
    void aNewProcessorTakesTheHeldEventsFromTheStore() {
        MockProcessorContext<byte[], byte[]> before = context();
        EventProcessor first = processor(before);
        holdThreeTextEvents(first, before);
        first.close(); // the task stops: nothing is forwarded, the events stay in the store

        MockProcessorContext<byte[], byte[]> after = context();
        EventProcessor second = processor(after);
        punctuateUntilForwarded(after, 3);
        assertEquals(List.of("c1", "c2", "c3"), chunksForwarded(after));
        assertEquals(0, pending.approximateNumEntries());
    }

    @Test
    void theSameProcessorInitialisedAgainDoesNotProcessTheHeldEventsTwice() {
        MockProcessorContext<byte[], byte[]> context = context();
        EventProcessor processor = processor(context);
        holdThreeTextEvents(processor, context);
        // Revived after a state reset: Kafka Streams may call init again without close in between.
        processor.init(context);
        punctuateUntilForwarded(context, 3);
        assertEquals(List.of("c1", "c2", "c3"), chunksForwarded(context));
    }

    @Test
    void aTaskStoppedWithABatchInFlightWaitsForTheModelAndLeavesTheEventsToTheNextOne() throws Exception {
        GatedEmbedding gated = new GatedEmbedding(TextEmbedding.of(models));
        MockProcessorContext<byte[], byte[]> before = context();
        EventProcessor first = processor(before, gated);
        send(first, before, 0, """
                {"type":"library.upserted","libraryId":"t","payload":{"name":"t","model":"all-minilm-l6-v2"}}""");
        StringBuilder chunks = new StringBuilder();
        for (int i = 0; i < EmbeddingBatcher.BATCH_TEXTS; i++) {
            chunks.append(i == 0 ? "" : ",").append("{\"id\":\"k").append(i).append("\",\"text\":\"text ")
                    .append(i).append("\"}");
        }
        send(first, before, 1, "{\"type\":\"document.upserted\",\"libraryId\":\"t\",\"documentId\":\"d\","
                + "\"payload\":{\"chunks\":[" + chunks + "]}}"); // a full batch: in flight at once
        CompletableFuture<Void> closing = CompletableFuture.runAsync(first::close);
        Pause.millis(300, "the test");
        assertFalse(closing.isDone(), "close waits while the model works on the task's batch");
        gated.open();
        closing.get(30, TimeUnit.SECONDS);
        assertEquals(List.of(), chunksForwarded(before), "a stopped task forwards nothing");
        assertEquals(1, pending.approximateNumEntries(), "the batch's event stays in the store");

        MockProcessorContext<byte[], byte[]> after = context();
        processor(after);
        punctuateUntilForwarded(after, EmbeddingBatcher.BATCH_TEXTS);
        assertEquals(EmbeddingBatcher.BATCH_TEXTS, new HashSet<>(chunksForwarded(after)).size(),
                "every chunk once");
        assertEquals(0, pending.approximateNumEntries());
    }

    /** Watermark offsets forwarded to the shards. */
    private static List<Long> watermarksForwarded(final MockProcessorContext<byte[], byte[]> context) {
        return context.forwarded(VectorstreamTopology.SHARDS_SINK).stream()
                .filter(forward -> RecordKey.decode((byte[]) forward.record().key()) instanceof RecordKey.WatermarkKey)
                .map(forward -> RecordCodec.decodeOffset((byte[]) forward.record().value()))
                .toList();
    }

    @Test
    void aLoneWriteHasItsWatermarkSentAtOnceWithACommitAndABusyTaskLeavesThemToThePunctuation() {
        MockProcessorContext<byte[], byte[]> context = context();
        context.setCurrentSystemTimeMs(10_000);
        EventProcessor processor = processor(context);
        String library = """
                {"type":"library.upserted","libraryId":"v","payload":{"name":"v","dimension":2,"metric":"l2"}}""";
        send(processor, context, 0, library);
        assertEquals(List.of(), watermarksForwarded(context), "just initialised: not a quiet spell");
        assertFalse(context.committed());

        context.setCurrentSystemTimeMs(10_000 + EventProcessor.QUIET_MS);
        send(processor, context, 1, library);
        assertEquals(List.of(1L), watermarksForwarded(context), "after a quiet spell: at once");
        assertTrue(context.committed(), "and a commit asked for, so that the shards may read it");

        context.resetCommit();
        context.resetForwards();
        for (long offset = 2; offset < 6; offset++) {
            context.setCurrentSystemTimeMs(10_000 + EventProcessor.QUIET_MS + (offset - 1) * 20);
            send(processor, context, offset, library);
        }
        assertEquals(List.of(), watermarksForwarded(context), "events 20 ms apart: no spell is quiet");
        assertFalse(context.committed(), "commits left to Kafka Streams' interval");
        punctuateTwice(context);
        assertEquals(List.of(5L), watermarksForwarded(context), "the punctuation sends them");
        processor.close();
    }

    @Test
    void aTaskStoppedBeforeItsWatermarkHasItSentByTheNextOne() {
        MockProcessorContext<byte[], byte[]> before = context();
        EventProcessor first = processor(before);
        send(first, before, 0, """
                {"type":"library.upserted","libraryId":"v","payload":{"name":"v","dimension":2,"metric":"l2"}}""");
        send(first, before, 1, "{not json");
        assertEquals(List.of(), watermarksForwarded(before), "no punctuation yet");
        first.close();

        MockProcessorContext<byte[], byte[]> after = context();
        EventProcessor second = processor(after);
        punctuateTwice(after);
        assertEquals(List.of(1L), watermarksForwarded(after), "the watermark the stopped task owed, once");
        second.close();
        MockProcessorContext<byte[], byte[]> third = context();
        processor(third);
        punctuateTwice(third);
        assertEquals(List.of(), watermarksForwarded(third), "nothing owed any more");
    }
}
