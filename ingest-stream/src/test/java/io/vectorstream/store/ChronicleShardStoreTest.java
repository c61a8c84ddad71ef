package io.vectorstream.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.index.IndexStats;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.index.TrainingPlaces;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.DocumentRecord;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import io.vectorstream.testing.SyntheticData;
import io.vectorstream.util.Directories;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/** The shard store alone: its derived view survives a reopen, prefix scans, concurrent readers. */
class ChronicleShardStoreTest {

    /** Opens {@code store} as task 0_0 with its state under {@code dir} (no broker here). */
    private static ChronicleShardStore init(final File dir, final ChronicleShardStore store) {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(new Properties(), new TaskId(0, 0), dir);
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    /** As Kafka Streams opens the store, but without the changelog check, which needs a broker. */
    private static final OpenChecks NO_BROKER = new OpenChecks(false, StartupHandoff::isStartupOpen);

    private static ChronicleShardStore open(final File dir) {
        return init(dir, new ChronicleShardStore("shards", ShardStoreOptions.SMALL, NO_BROKER));
    }

    /** Opened as Kafka Streams' start-up opens a store: for its offsets only. */
    private static ChronicleShardStore openAtStartUp(final File dir) {
        return init(dir, new ChronicleShardStore("shards", ShardStoreOptions.SMALL,
                new OpenChecks(false, ctx -> true)));
    }

    /** Opened by a task, with the training the open leaves to the writer allowed at once. */
    private static ChronicleShardStore openTrainingAtOnce(final File dir) {
        return init(dir, new ChronicleShardStore("shards",
                ShardStoreOptions.SMALL.withTrainingDelay(Duration.ZERO), NO_BROKER));
    }

    /** A closed store of one library with {@code chunks} chunks, chunk i pointing along (i, 1). */
    private static File closedStoreWith(final int chunks) {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = open(dir);
        putLibrary(store, "lib", 2);
        for (int i = 0; i < chunks; i++) {
            putChunk(store, "lib", "doc" + (i % 5), String.format("c%04d", i), new float[] {i, 1});
        }
        store.close();
        return dir;
    }

    private static int chunkCount(final ChronicleShardStore store) {
        return query(store, new ShardQuery.GetLibrary("lib")).map(ShardQuery.LibraryStats::chunkCount).orElse(0);
    }

    private static <R> R query(final ChronicleShardStore store, final ShardQuery<R> query) {
        return store.query(query, PositionBound.unbounded(), new QueryConfig(false)).getResult();
    }

    private static void putLibrary(final ChronicleShardStore store, final String id, final int dimension) {
        putLibrary(store, id, dimension, Metric.DOT, "{\"kind\":\"flat\"}");
    }

    private static void putLibrary(final ChronicleShardStore store, final String id, final int dimension,
                                   final Metric metric, final String indexJson) {
        store.put(Bytes.wrap(new RecordKey.LibraryKey(id).encode()), RecordCodec.encode(
                new LibraryRecord(id, id, "{}", dimension, metric, indexJson, 0, 0, 0, null)));
    }

    private static void putChunk(final ChronicleShardStore store, final String lib, final String doc,
                                 final String chunk, final float[] vector) {
        store.put(Bytes.wrap(new RecordKey.DocumentKey(lib, doc).encode()),
                RecordCodec.encode(new DocumentRecord(lib, doc, "{}", 0, 0, 0)));
        store.put(Bytes.wrap(new RecordKey.ChunkKey(lib, doc, chunk).encode()),
                RecordCodec.encode(new ChunkRecord(lib, doc, chunk, "t", vector, "{}", 0, 0, 0)));
    }

    @Test
    void aReopenedStoreRebuildsExactlyTheSameView() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = open(dir);
        putLibrary(store, "lib", 2);
        // Many keys of equal length: Chronicle Map reuses key arrays while iterating.
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String id = String.format("c%04d", i);
            ids.add(id);
            putChunk(store, "lib", "doc" + (i % 5), id, new float[] {i, 1});
        }
        store.delete(Bytes.wrap(new RecordKey.ChunkKey("lib", "doc0", "c0000").encode()));
        store.close();

        ChronicleShardStore reopened = open(dir);
        assertEquals(299, query(reopened, new ShardQuery.GetLibrary("lib")).orElseThrow().chunkCount());
        assertEquals(5, query(reopened, new ShardQuery.GetLibrary("lib")).orElseThrow().documentCount());
        List<String> listed = new ArrayList<>();
        for (int d = 0; d < 5; d++) {
            query(reopened, new ShardQuery.ListChunks("lib", "doc" + d, null, 1000)).forEach(c -> listed.add(c.id()));
        }
        listed.sort(null);
        assertEquals(ids.subList(1, ids.size()), listed);
        assertEquals("c0299", query(reopened, new ShardQuery.Knn("lib", new float[] {1, 0}, 1, SearchParams.DEFAULT)).hits().getFirst().chunk().id());
        reopened.close();
    }

    @Test
    void theTaskTakesOverWhatTheStartUpOpenedWithItsViewAndClosesItCleanly() throws Exception {
        File dir = closedStoreWith(300);
        Path clean = dir.toPath().resolve("shards").resolve(CleanClose.FILE_NAME);

        openAtStartUp(dir).close();
        assertFalse(Files.exists(clean), "the start-up's store is kept open for the task, not closed");

        ChronicleShardStore task = open(dir);
        assertEquals(300, chunkCount(task));
        assertEquals("c0299", query(task, new ShardQuery.Knn("lib", new float[] {1, 0}, 1, SearchParams.DEFAULT))
                .hits().getFirst().chunk().id());
        putChunk(task, "lib", "doc0", "c9999", new float[] {1000, 0});
        task.close();
        assertTrue(Files.exists(clean));

        ChronicleShardStore reopened = open(dir);
        assertEquals(301, chunkCount(reopened));
        assertEquals("c9999", query(reopened, new ShardQuery.Knn("lib", new float[] {1, 0}, 1, SearchParams.DEFAULT))
                .hits().getFirst().chunk().id());
        reopened.close();
    }

    @Test
    void closingTheStartUpStoreTwiceLeavesItOnceForTheTask() throws Exception {
        File dir = closedStoreWith(40);
        ChronicleShardStore startUp = openAtStartUp(dir);
        startUp.close();
        startUp.close();
        ChronicleShardStore task = open(dir);
        assertEquals(40, chunkCount(task));
        task.close();
    }

    @Test
    void anIndexRequestAmongTheLoadedRecordsTrainsTheLibraryAfterTheOpenWhateverItsSize() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = open(dir);
        putLibrary(store, "lib", 2, Metric.DOT, "{\"kind\":\"ivf\"}");
        for (int i = 0; i < 300; i++) {
            putChunk(store, "lib", "doc" + (i % 5), String.format("c%04d", i), new float[] {i, 1});
        }
        // 300 vectors, far below IVF's training size: trained only because it was asked to.
        store.put(Bytes.wrap(new RecordKey.IndexRequestKey("lib").encode()), RecordCodec.encodeOffset(7));
        assertTrue(query(store, new ShardQuery.IndexReport("lib")).orElseThrow().trained());
        store.close();

        ChronicleShardStore reopened = openTrainingAtOnce(dir);
        assertFalse(query(reopened, new ShardQuery.IndexReport("lib")).orElseThrow().trained(), "not on the open path");
        reopened.putAll(List.of());
        assertTrue(query(reopened, new ShardQuery.IndexReport("lib")).orElseThrow().trained());
        assertEquals(300, chunkCount(reopened));
        reopened.close();
    }

    @Test
    void aStartUpStoreNoTaskTookIsClosedCleanlyWhenItsInstanceStops() throws Exception {
        File dir = closedStoreWith(50);
        openAtStartUp(dir).close();
        ChronicleShardStore.closeStartupStoresNotTaken(dir.toPath());
        assertTrue(Files.exists(dir.toPath().resolve("shards").resolve(CleanClose.FILE_NAME)));

        ChronicleShardStore reopened = open(dir);
        assertEquals(50, chunkCount(reopened));
        reopened.close();
    }

    @Test
    void aStartUpStoreWhoseFileWasReplacedIsNotTakenOver() throws Exception {
        File dir = closedStoreWith(50);
        openAtStartUp(dir).close();
        // As Kafka Streams does with the state of a task it finds corrupted.
        Directories.deleteRecursively(dir.toPath().resolve("shards"));

        ChronicleShardStore task = open(dir);
        assertEquals(0, chunkCount(task), "a new, empty store, as the file on disk is; not the old one's view");
        putLibrary(task, "lib", 2);
        putChunk(task, "lib", "doc", "new", new float[] {1, 0});
        assertEquals(1, chunkCount(task));
        task.close();
    }

    @Test
    void aReopenedIvfLibraryAnswersExactlyUntilTheWriterTrainsItOnce() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = open(dir);
        putLibrary(store, "lib", 8, Metric.COSINE, "{\"kind\":\"ivf\",\"params\":{\"trainThreshold\":100}}");
        Random random = new Random(5);
        float[][] vectors = new float[600][8];
        for (int i = 0; i < vectors.length; i++) {
            double norm = 0;
            for (int d = 0; d < 8; d++) {
                vectors[i][d] = random.nextFloat() - 0.5f;
                norm += vectors[i][d] * vectors[i][d];
            }
            for (int d = 0; d < 8; d++) {
                vectors[i][d] /= (float) Math.sqrt(norm); // stored chunks of a cosine library are unit length
            }
            putChunk(store, "lib", "doc" + (i % 7), "c" + i, vectors[i]);
        }
        store.close();

        ChronicleShardStore reopened = openTrainingAtOnce(dir);
        IndexStats stats = query(reopened, new ShardQuery.IndexReport("lib")).orElseThrow();
        assertFalse(stats.trained(), "the open leaves training to the writer: it answers exactly first");
        assertEquals(600, stats.size());
        for (int i = 0; i < 600; i += 50) {
            assertEquals("c" + i, query(reopened, new ShardQuery.Knn("lib", vectors[i], 1, SearchParams.DEFAULT))
                    .hits().getFirst().chunk().id());
        }
        reopened.putAll(List.of()); // the writer's next call (ShardWriter makes an empty one every second)
        stats = query(reopened, new ShardQuery.IndexReport("lib")).orElseThrow();
        assertTrue(stats.trained(), "trained by the writer's next call: " + stats);
        assertEquals(600, stats.size());
        for (int i = 0; i < 600; i += 50) {
            assertEquals("c" + i, query(reopened, new ShardQuery.Knn("lib", vectors[i], 1, SearchParams.DEFAULT))
                    .hits().getFirst().chunk().id());
        }
        reopened.close();
    }

    @Test
    void aReopenedGraphLibraryIsBuiltBesideTheWriterAndAnswersRightThroughout() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ShardStoreOptions options = ShardStoreOptions.SMALL.trainingInBackground(true);
        ChronicleShardStore store = init(dir, new ChronicleShardStore("shards", options, NO_BROKER));
        putLibrary(store, "lib", 16, Metric.L2, "{\"kind\":\"hnsw\",\"params\":{\"m\":8}}");
        float[][] vectors = SyntheticData.forSize(3_000, 16, 41).vectors(3_000, 42);
        for (int i = 0; i < vectors.length; i++) {
            putChunk(store, "lib", "doc" + (i % 7), "c" + i, vectors[i]);
        }
        store.close();

        ChronicleShardStore reopened = init(dir, new ChronicleShardStore("shards", options, NO_BROKER));
        assertEquals(3_000, query(reopened, new ShardQuery.IndexReport("lib")).orElseThrow().size());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int checked = 0;
        // Exact answers while the graph is built, the graph's once it is: each vector finds itself.
        while (!query(reopened, new ShardQuery.IndexReport("lib")).orElseThrow().trained() || checked < 3_000) {
            assertTrue(System.nanoTime() < deadline, "the graph was not built in 30 s");
            int i = checked++ % 3_000;
            assertEquals("c" + i, query(reopened, new ShardQuery.Knn("lib", vectors[i], 1, SearchParams.DEFAULT))
                    .hits().getFirst().chunk().id());
        }
        IndexStats stats = query(reopened, new ShardQuery.IndexReport("lib")).orElseThrow();
        assertEquals("hnsw", stats.kind());
        assertEquals(3_000, stats.size());
        // The graph built after the open answers as well as an exact search, nearly.
        float[][] queries = SyntheticData.forSize(3_000, 16, 41).vectors(50, 43);
        double recall = 0;
        for (float[] q : queries) {
            List<String> truth = query(reopened, new ShardQuery.Knn("lib", q, 10, SearchParams.EXACT)).hits().stream()
                    .map(hit -> hit.chunk().id()).toList();
            recall += query(reopened, new ShardQuery.Knn("lib", q, 10, SearchParams.DEFAULT)).hits().stream()
                    .filter(hit -> truth.contains(hit.chunk().id())).count() / 10.0;
        }
        assertTrue(recall / queries.length >= 0.9, "recall@10 of the rebuilt graph " + recall / queries.length);
        reopened.close();
    }

    /** Top-10 chunk ids of {@code queries} in "lib", probing 2 lists: an approximate answer. */
    private static List<List<String>> narrowAnswers(final ChronicleShardStore store, final float[][] queries) {
        List<List<String>> answers = new ArrayList<>();
        for (float[] q : queries) {
            answers.add(query(store, new ShardQuery.Knn("lib", q, 10, new SearchParams(2, 0, false))).hits().stream()
                    .map(hit -> hit.chunk().id()).toList());
        }
        return answers;
    }

    /** Where the shard in {@code dir} keeps the IVF training of library "lib". */
    private static Path keptTrainingOf(final File dir) {
        return dir.toPath().resolve("shards").resolve(IvfTrainings.FOLDER).resolve("lib.ivf");
    }

    @Test
    void aTrainingBesideTheWriterIsInstalledByTheWritersLaterCallsAndKept() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = openWithIvfTrainingBesideTheWriter(dir);
        SyntheticData data = SyntheticData.forSize(2_000, 16, 31);
        float[][] vectors = data.vectors(600, 32);
        for (int i = 0; i < vectors.length; i++) {
            putChunk(store, "lib", "doc", "c" + i, vectors[i]);
        }
        // The threshold started the training beside this (the writer's) thread; the writes went on.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!query(store, new ShardQuery.IndexReport("lib")).orElseThrow().trained()) {
            assertTrue(System.nanoTime() < deadline, "not installed in 30 s");
            Thread.sleep(10);
            store.putAll(List.of()); // the writer's tick (ShardWriter's punctuation), no inserts
        }
        assertEquals(600, chunkCount(store));
        assertTrue(Files.exists(keptTrainingOf(dir)), "the installed training is kept beside the shard file");
        assertEquals(10, query(store, new ShardQuery.Knn("lib", vectors[7], 10,
                SearchParams.DEFAULT)).hits().size());

        // A new index from a library record (other parameters) trains beside the writer too, and is
        // installed by the writer's ticks without any insert.
        int listsBefore = query(store, new ShardQuery.IndexReport("lib")).orElseThrow().partitions();
        putLibrary(store, "lib", 16, Metric.L2, "{\"kind\":\"ivf\",\"params\":{\"trainThreshold\":500,\"nlist\":7}}");
        // Until the new index's training is installed, searches keep the old, trained index.
        IndexStats meanwhile = query(store, new ShardQuery.IndexReport("lib")).orElseThrow();
        assertTrue(meanwhile.trained(), meanwhile.toString());
        assertEquals(listsBefore, meanwhile.partitions());
        putChunk(store, "lib", "doc", "late", vectors[3]); // written to both
        while (query(store, new ShardQuery.IndexReport("lib")).orElseThrow().partitions() != 7) {
            assertTrue(System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(30),
                    "the new index's training was not installed");
            Thread.sleep(10);
            store.putAll(List.of());
        }
        assertTrue(query(store, new ShardQuery.IndexReport("lib")).orElseThrow().trained());
        assertEquals(601, query(store, new ShardQuery.IndexReport("lib")).orElseThrow().size(),
                "the write made while it trained is in the new index");
        store.close();
    }

    @Test
    void aTrainingThatFoundNoRoomStartsAtTheWritersTicksOnceThereIsWithoutAnotherWrite() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = openWithIvfTrainingBesideTheWriter(dir);
        float[][] vectors = SyntheticData.forSize(2_000, 16, 31).vectors(600, 32);
        store.putAll(List.of()); // a tick with nothing due: the writer stops looking for trainings
        try (AutoCloseable otherTraining = TrainingPlaces.holdShared()) {
            for (int i = 0; i < vectors.length; i++) {
                putChunk(store, "lib", "doc", "c" + i, vectors[i]); // past the threshold: no room to train
            }
            IndexStats waiting = query(store, new ShardQuery.IndexReport("lib")).orElseThrow();
            assertFalse(waiting.trained(), waiting.toString());
            assertTrue(waiting.training(), "a training that waits for room is reported as due: " + waiting);
            store.putAll(List.of()); // a tick while there is still no room
        }
        // The last write is long past: only the writer's ticks (ShardWriter's punctuation) come now.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!query(store, new ShardQuery.IndexReport("lib")).orElseThrow().trained()) {
            assertTrue(System.nanoTime() < deadline, "the postponed training never started or was never installed");
            Thread.sleep(10);
            store.putAll(List.of());
        }
        IndexStats done = query(store, new ShardQuery.IndexReport("lib")).orElseThrow();
        assertFalse(done.training(), done.toString());
        assertEquals(600, done.size());
        store.close();
    }

    /** An open store whose IVF library "lib" (16-d, l2) trains beside the writer from 500 vectors on. */
    private static ChronicleShardStore openWithIvfTrainingBesideTheWriter(final File dir) {
        ChronicleShardStore store = new ChronicleShardStore("shards", ShardStoreOptions.SMALL.trainingInBackground(true)
                .withTrainingDelay(Duration.ZERO), NO_BROKER);
        init(dir, store);
        putLibrary(store, "lib", 16, Metric.L2, "{\"kind\":\"ivf\",\"params\":{\"trainThreshold\":500}}");
        return store;
    }

    /** An open store with IVF library "lib" of 60 chunks in "doc": trained (from 50) and its training kept. */
    private static ChronicleShardStore openWithTrainedIvfLibrary(final File dir) {
        ChronicleShardStore store = open(dir);
        putLibrary(store, "lib", 4, Metric.DOT, "{\"kind\":\"ivf\",\"params\":{\"trainThreshold\":50}}");
        for (int i = 0; i < 60; i++) {
            putChunk(store, "lib", "doc", "c" + i, new float[] {i, 1, i % 3, 2});
        }
        return store;
    }

    @Test
    void aReopenedIvfLibraryTakesBackItsCentroidsAndAnswersAsBefore() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = open(dir);
        putLibrary(store, "lib", 16, Metric.L2, "{\"kind\":\"ivf\",\"params\":{\"trainThreshold\":100}}");
        SyntheticData data = SyntheticData.forSize(2_000, 16, 11);
        float[][] vectors = data.vectors(2_000, 12);
        for (int i = 0; i < vectors.length; i++) {
            putChunk(store, "lib", "doc" + (i % 9), "c" + i, vectors[i]);
        }
        float[][] queries = data.vectors(40, 13);
        IndexStats before = query(store, new ShardQuery.IndexReport("lib")).orElseThrow();
        List<List<String>> answersBefore = narrowAnswers(store, queries);
        store.close();
        assertTrue(Files.exists(keptTrainingOf(dir)));

        ChronicleShardStore reopened = openTrainingAtOnce(dir);
        assertFalse(query(reopened, new ShardQuery.IndexReport("lib")).orElseThrow().trained(), "not on the open path");
        reopened.putAll(List.of()); // the writer's next call adopts the kept training
        IndexStats after = query(reopened, new ShardQuery.IndexReport("lib")).orElseThrow();
        assertTrue(after.trained());
        // A new training of all 2,000 vectors makes 4 sqrt(2,000) = 179 lists; the last one before
        // the close saw fewer vectors (trained at 100, then at every doubling).
        Assertions.assertNotEquals(179, before.partitions());
        assertEquals(before.partitions(), after.partitions(), "the kept centroids, not a new training: " + after);
        assertEquals(answersBefore, narrowAnswers(reopened, queries));
        reopened.close();

        // A damaged file is not used: the library trains afresh, and still answers.
        Path kept = keptTrainingOf(dir);
        byte[] bytes = Files.readAllBytes(kept);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(kept, bytes);
        ChronicleShardStore retrained = openTrainingAtOnce(dir);
        retrained.putAll(List.of());
        IndexStats fresh = query(retrained, new ShardQuery.IndexReport("lib")).orElseThrow();
        assertTrue(fresh.trained());
        assertEquals(179, fresh.partitions(), "4 sqrt(2,000) lists: a new training");
        assertEquals(10, narrowAnswers(retrained, queries).getFirst().size());
        retrained.close();
    }

    @Test
    void aDeletedLibraryLeavesNoTrainingBehind() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = openWithTrainedIvfLibrary(dir);
        Path kept = keptTrainingOf(dir);
        assertTrue(Files.exists(kept), "kept when trained");
        store.delete(Bytes.wrap(new RecordKey.LibraryKey("lib").encode()));
        assertFalse(Files.exists(kept));
        store.close();
    }

    @Test
    void anIndexRebuiltUntrainedDropsTheTrainingOfTheIndexItReplaced() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = openWithTrainedIvfLibrary(dir);
        Path kept = keptTrainingOf(dir);
        assertTrue(Files.exists(kept));
        store.delete(Bytes.wrap(new RecordKey.DocumentKey("lib", "doc").encode())); // every chunk goes
        for (int i = 0; i < 60; i++) {
            store.delete(Bytes.wrap(new RecordKey.ChunkKey("lib", "doc", "c" + i).encode()));
        }
        store.put(Bytes.wrap(new RecordKey.IndexRequestKey("lib").encode()), RecordCodec.encodeOffset(9));
        assertFalse(Files.exists(kept), "the rebuilt index has nothing to train on: no training of the old one stays");
        store.close();

        ChronicleShardStore reopened = openTrainingAtOnce(dir);
        reopened.putAll(List.of());
        putChunk(reopened, "lib", "doc", "new", new float[] {1, 2, 3, 4});
        assertFalse(query(reopened, new ShardQuery.IndexReport("lib")).orElseThrow().trained());
        reopened.close();
    }

    @Test
    void aLibraryStoredWithParametersTodaysRangesRefuseStillLoads() throws Exception {
        // As an earlier version stored them: 100 tables, probes 2.5 (it rounded), 20 iterations.
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = open(dir);
        putLibrary(store, "lsh", 2, Metric.DOT, "{\"kind\":\"lsh\",\"params\":{\"tables\":100,\"probes\":2.5,\"bits\":6}}");
        putLibrary(store, "ivf", 2, Metric.DOT, "{\"kind\":\"ivf\",\"params\":{\"iterations\":20}}");
        putChunk(store, "lsh", "doc", "a", new float[] {1, 0});
        putChunk(store, "ivf", "doc", "a", new float[] {1, 0});
        store.close();
        ChronicleShardStore reopened = open(dir);
        for (String library : List.of("lsh", "ivf")) {
            assertEquals(library, query(reopened, new ShardQuery.IndexReport(library)).orElseThrow().kind());
            assertEquals("a", query(reopened, new ShardQuery.Knn(library, new float[] {1, 0}, 1, SearchParams.DEFAULT))
                    .hits().getFirst().chunk().id());
        }
        reopened.close();
    }

    @Test
    void aRecordThatFailsPartWayLeavesNoneOfItsWritesInTheFileOrTheView() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = open(dir);
        putLibrary(store, "lib", 2);
        putChunk(store, "lib", "doc", "kept", new float[] {1, 0});
        putChunk(store, "lib", "doc", "gone", new float[] {0, 1});
        // One record's writes: a removal, a new document, a rewrite, then a damaged chunk.
        List<KeyValue<Bytes, byte[]>> record = List.of(
                KeyValue.pair(Bytes.wrap(new RecordKey.ChunkKey("lib", "doc", "gone").encode()), null),
                KeyValue.pair(Bytes.wrap(new RecordKey.DocumentKey("lib", "new").encode()),
                        RecordCodec.encode(new DocumentRecord("lib", "new", "{}", 0, 0, 0))),
                KeyValue.pair(Bytes.wrap(new RecordKey.ChunkKey("lib", "doc", "kept").encode()),
                        RecordCodec.encode(new ChunkRecord("lib", "doc", "kept", "rewritten", new float[] {-1, 0},
                                "{}", 1, 0, 0))),
                KeyValue.pair(Bytes.wrap(new RecordKey.ChunkKey("lib", "new", "bad").encode()), new byte[] {1}));
        assertThrows(RuntimeException.class, () -> store.putAll(record));
        for (ChronicleShardStore view : new ChronicleShardStore[] {store, null}) {
            ChronicleShardStore s = view != null ? view : open(dir);
            assertEquals(Optional.empty(), query(s, new ShardQuery.GetDocument("lib", "new")));
            assertEquals("t", query(s, new ShardQuery.GetChunk("lib", "doc", "kept")).orElseThrow().text());
            assertTrue(query(s, new ShardQuery.GetChunk("lib", "doc", "gone")).isPresent());
            assertEquals(2, chunkCount(s));
            assertEquals(List.of("kept", "gone"), query(s, new ShardQuery.Knn("lib", new float[] {1, 0.1f}, 2,
                    SearchParams.DEFAULT)).hits().stream().map(hit -> hit.chunk().id()).toList());
            s.close(); // the first pass closes the store the failure happened in; the second its reopening
        }
    }

    @Test
    void filtersCountTheSameAfterAReopenWhateverOrderTheRecordsAreReadIn() throws Exception {
        File dir = Directories.temporary("shard-store").toFile();
        ChronicleShardStore store = open(dir);
        putLibrary(store, "lib", 2);
        for (int d = 0; d < 20; d++) {
            store.put(Bytes.wrap(new RecordKey.DocumentKey("lib", "d" + d).encode()), RecordCodec.encode(
                    new DocumentRecord("lib", "d" + d, "{\"lang\": \"" + (d % 4 == 0 ? "en" : "de") + "\"}", 0, 0, 0)));
            for (int c = 0; c < 15; c++) {
                store.put(Bytes.wrap(new RecordKey.ChunkKey("lib", "d" + d, "c" + c).encode()), RecordCodec.encode(
                        new ChunkRecord("lib", "d" + d, "c" + c, "t", new float[] {c, 1}, "{\"c\": " + c + "}", 0, 0, 0)));
            }
        }
        // A rewrite, a delete and a document whose metadata changed.
        store.put(Bytes.wrap(new RecordKey.ChunkKey("lib", "d0", "c0").encode()), RecordCodec.encode(
                new ChunkRecord("lib", "d0", "c0", "t", new float[] {0, 1}, "{\"c\": 99}", 1, 0, 0)));
        store.delete(Bytes.wrap(new RecordKey.ChunkKey("lib", "d4", "c1").encode()));
        store.put(Bytes.wrap(new RecordKey.DocumentKey("lib", "d1").encode()), RecordCodec.encode(
                new DocumentRecord("lib", "d1", "{\"lang\": \"en\"}", 1, 0, 0)));
        List<String> filters = List.of("{\"document.lang\": \"en\"}", "{\"c\": {\"$lt\": 2}}",
                "{\"c\": 99}", "{\"$and\": [{\"document.lang\": \"en\"}, {\"c\": {\"$gte\": 1}}]}");
        List<Long> before = filters.stream().map(f -> query(store, new ShardQuery.Count("lib", f))).toList();
        assertEquals(List.of(6L * 15 - 1, 2L * 20 - 2, 1L, 6L * 14 + 1 - 1), before);
        store.close();
        ChronicleShardStore reopened = open(dir);
        assertEquals(before, filters.stream().map(f -> query(reopened, new ShardQuery.Count("lib", f))).toList());
        reopened.close();
    }

    @Test
    void chunksRestoredBeforeTheirLibraryAreIndexedWhenItArrives() throws Exception {
        // A compacted changelog may replay a library's only surviving record after its chunks.
        ChronicleShardStore store = open(Directories.temporary("shard-store").toFile());
        putChunk(store, "lib", "doc", "early", new float[] {1, 0});
        putLibrary(store, "lib", 2);
        putChunk(store, "lib", "doc", "late", new float[] {0, 1});
        assertEquals(2, query(store, new ShardQuery.GetLibrary("lib")).orElseThrow().chunkCount());
        assertEquals("early", query(store, new ShardQuery.Knn("lib", new float[] {1, 0}, 1, SearchParams.DEFAULT)).hits().getFirst().chunk().id());
        store.close();
    }

    @Test
    void prefixScansReturnOnlyTheirDocumentOrLibrary() throws Exception {
        ChronicleShardStore store = open(Directories.temporary("shard-store").toFile());
        putLibrary(store, "lib", 2);
        putLibrary(store, "lib2", 2);
        putChunk(store, "lib", "doc", "a", new float[] {1, 0});
        putChunk(store, "lib", "doc", "b", new float[] {1, 0});
        putChunk(store, "lib", "doc2", "c", new float[] {1, 0});
        putChunk(store, "lib2", "doc", "d", new float[] {1, 0});
        assertEquals(List.of("a", "b"), chunkIds(store, RecordKey.chunksOf("lib", "doc")));
        assertEquals(List.of("a", "b", "c"), chunkIds(store, RecordKey.chunksOf("lib")));
        assertEquals(2, count(store, RecordKey.documentsOf("lib")));
        store.close();
    }

    @Test
    void readersSeeConsistentAnswersWhileTheWriterChangesTheStore() throws Exception {
        ChronicleShardStore store = open(Directories.temporary("shard-store").toFile());
        putLibrary(store, "lib", 8);
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(Thread.ofPlatform().start(() -> {
                Random random = new Random();
                while (!stop.get()) {
                    float[] q = new float[8];
                    q[random.nextInt(8)] = 1;
                    try {
                        List<ShardQuery.ScoredChunk> hits = query(store, new ShardQuery.Knn("lib", q, 5, SearchParams.DEFAULT)).hits();
                        for (int h = 1; h < hits.size(); h++) {
                            if (hits.get(h).score() > hits.get(h - 1).score()) {
                                problems.add("hits out of order: " + hits);
                            }
                        }
                        if (hits.stream().map(hit -> hit.chunk().id()).distinct().count() != hits.size()) {
                            problems.add("a chunk twice in one answer: " + hits);
                        }
                        Optional<ShardQuery.LibraryStats> stats = query(store, new ShardQuery.GetLibrary("lib"));
                        if (stats.isEmpty()) {
                            problems.add("library vanished");
                        }
                    } catch (RuntimeException e) {
                        problems.add(e.toString());
                    }
                }
            }));
        }
        Random random = new Random(3);
        for (int i = 0; i < 20_000; i++) {
            float value = random.nextInt(100);
            float[] v = new float[8];
            Arrays.fill(v, value);
            String id = "c" + random.nextInt(500);
            if (random.nextInt(4) == 0) {
                store.delete(Bytes.wrap(new RecordKey.ChunkKey("lib", "d" + (id.hashCode() & 7), id).encode()));
            } else {
                putChunk(store, "lib", "d" + (id.hashCode() & 7), id, v);
            }
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join();
        }
        assertEquals(List.of(), List.copyOf(problems));
        int indexed = query(store, new ShardQuery.GetLibrary("lib")).orElseThrow().chunkCount();
        int listed = 0;
        for (int d = 0; d < 8; d++) {
            listed += query(store, new ShardQuery.ListChunks("lib", "d" + d, null, 1000)).size();
        }
        assertEquals(listed, indexed, "index and catalog agree after the writes");
        assertTrue(indexed > 0);
        store.close();
    }

    private static List<String> chunkIds(final ChronicleShardStore store, final byte[] prefix) {
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, new ByteArraySerializer())) {
            it.forEachRemaining((KeyValue<Bytes, byte[]> kv) ->
                    ids.add(((RecordKey.ChunkKey) RecordKey.decode(kv.key.get())).chunkId()));
        }
        return ids;
    }

    private static int count(final ChronicleShardStore store, final byte[] prefix) {
        int n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(prefix, new ByteArraySerializer())) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }
}
