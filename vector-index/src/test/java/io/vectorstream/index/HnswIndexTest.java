package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.testing.SyntheticData;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The graph index against exact search: recall per metric, removals and replacements, churn, ranges. */
class HnswIndexTest {

    private static final int DIMENSION = 32;

    private static HnswIndex<Integer> hnsw(final Metric metric) {
        return new HnswIndex<>(DIMENSION, metric, HnswParams.DEFAULT);
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void recallAgainstExactSearchIsHighAtTheDefaultBeam(final Metric metric) {
        SyntheticData data = SyntheticData.forSize(10_000, DIMENSION, 1);
        float[][] vectors = data.vectors(10_000, 2);
        HnswIndex<Integer> index = hnsw(metric);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, metric);
        for (int i = 0; i < vectors.length; i++) {
            float[] v = IvfIndexTest.scaled(vectors[i], metric, i);
            index.put(i, v);
            exact.put(i, v);
        }
        assertEquals(10_000, index.size());
        float[][] queries = data.vectors(100, 3);
        double recall = IvfIndexTest.recallAt10(index, exact, queries, SearchParams.DEFAULT);
        assertTrue(recall >= 0.95, metric + " recall@10 " + recall);
        double narrow = IvfIndexTest.recallAt10(index, exact, queries, SearchParams.DEFAULT.withEf(10));
        double wide = IvfIndexTest.recallAt10(index, exact, queries, SearchParams.DEFAULT.withEf(400));
        assertTrue(narrow <= wide && wide >= 0.99, metric + ": ef 10 " + narrow + ", ef 400 " + wide);
        assertEquals(1.0, IvfIndexTest.recallAt10(index, exact, queries, SearchParams.EXACT), 1e-9);
    }

    @Test
    void removedKeysAreNeverFoundAndRecallHoldsAfterHalfTheGraphIsRemovedAndPutBack() {
        SyntheticData data = SyntheticData.forSize(8_000, DIMENSION, 5);
        float[][] vectors = data.vectors(8_000, 6);
        HnswIndex<Integer> index = hnsw(Metric.COSINE);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        for (int i = 0; i < vectors.length; i++) {
            index.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        float[][] queries = data.vectors(100, 7);
        Random random = new Random(8);
        Set<Integer> removed = new HashSet<>();
        while (removed.size() < 4_000) {
            int key = random.nextInt(vectors.length);
            if (removed.add(key)) {
                assertTrue(index.remove(key));
                exact.remove(key);
            }
        }
        assertFalse(index.remove(removed.iterator().next()), "a key removed twice");
        assertEquals(4_000, index.size());
        for (float[] q : queries) {
            for (Hit<Integer> hit : index.search(q, 10, SearchParams.DEFAULT, null)) {
                assertFalse(removed.contains(hit.key()), "removed key " + hit.key() + " found");
            }
        }
        double afterRemoval = IvfIndexTest.recallAt10(index, exact, queries, SearchParams.DEFAULT);
        assertTrue(afterRemoval >= 0.95, "recall after half the nodes were unlinked: " + afterRemoval);
        for (int key : removed) {
            index.put(key, vectors[key]); // their slots are reused by other keys' vectors
            exact.put(key, vectors[key]);
        }
        double afterChurn = IvfIndexTest.recallAt10(index, exact, queries, SearchParams.DEFAULT);
        assertTrue(afterChurn >= 0.95, "recall after the removed half came back: " + afterChurn);
    }

    @Test
    void aStreamsPutsAreLinkedBesideTheWriterAndFoundFromTheMomentTheyReturn() throws Exception {
        HeldBuildThread threads = new HeldBuildThread();
        HnswIndex<Integer> index = new HnswIndex<>(DIMENSION, Metric.COSINE, HnswParams.DEFAULT,
                threads.background());
        SyntheticData data = SyntheticData.forSize(9_000, DIMENSION, 41);
        float[][] vectors = data.vectors(9_000, 42);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        for (int i = 0; i < 3_000; i++) {
            index.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        IndexStats waiting = index.stats();
        assertTrue(waiting.trained() && waiting.training(), "stored, not linked yet: " + waiting);
        float[][] queries = data.vectors(100, 43);
        assertEquals(1.0, IvfIndexTest.recallAt10(index, exact, queries, SearchParams.DEFAULT), 1e-9,
                "nothing is linked yet: every node is scored exactly");
        threads.open();
        // While the build thread links, the writer goes on; each new node is found at once, linked or not.
        int put = 3_000;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (put < 9_000) {
            assertTrue(System.nanoTime() < deadline, "60 s were not enough");
            index.put(put, vectors[put]);
            exact.put(put, vectors[put]);
            assertEquals(put, index.search(vectors[put], 1, SearchParams.DEFAULT, null).getFirst().key(),
                    "node " + put + " is found as soon as its put returned");
            if (put % 3 == 0) {
                index.remove(put - 2_000);
                exact.remove(put - 2_000);
            }
            put++;
        }
        while (index.stats().training()) {
            assertTrue(System.nanoTime() < deadline, "the backlog was not linked in 60 s");
            Thread.sleep(5);
        }
        threads.shutdown();
        assertEquals(exact.size(), index.size());
        assertTrue(IvfIndexTest.recallAt10(index, exact, queries, SearchParams.DEFAULT) >= 0.95,
                "the graph linked beside the writer");
        for (int i = 1_000; i < 7_000; i += 3) {
            List<Hit<Integer>> hits = index.search(vectors[i], 1, SearchParams.DEFAULT, null);
            assertTrue(hits.isEmpty() || hits.getFirst().key() != i, "removed " + i + " is gone");
        }
    }

    @Test
    void aBulkLoadIsLinkedBesideTheWriterWhileSearchesStayExactAndWritesGoOn() throws Exception {
        HeldBuildThread threads = new HeldBuildThread();
        HnswIndex<Integer> index = new HnswIndex<>(DIMENSION, Metric.COSINE, HnswParams.DEFAULT,
                threads.background());
        SyntheticData data = SyntheticData.forSize(9_000, DIMENSION, 31);
        float[][] vectors = data.vectors(9_000, 32);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        index.beginBulkLoad();
        for (int i = 0; i < 6_000; i++) {
            index.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        index.endBulkLoad(true);
        float[][] queries = data.vectors(100, 33);
        assertTrue(index.willTrain() && !index.isTrained(), "the build waits for its thread");
        assertEquals(1.0, IvfIndexTest.recallAt10(index, exact, queries, SearchParams.DEFAULT), 1e-9,
                "exact answers while the graph is built");
        // Meanwhile the writer goes on: new nodes, removals, replacements of nodes not linked yet.
        for (int i = 6_000; i < 8_000; i++) {
            index.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        for (int i = 0; i < 1_000; i++) {
            index.remove(i);
            exact.remove(i);
        }
        float[][] replacements = data.vectors(500, 34);
        for (int i = 1_000; i < 1_500; i++) {
            index.put(i, replacements[i - 1_000]);
            exact.put(i, replacements[i - 1_000]);
        }
        threads.open();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (index.willTrain()) {
            assertTrue(System.nanoTime() < deadline, "the graph was not built in 60 s");
            // Writes go on while the build runs, so that some join the backlog behind it.
            int i = 8_000 + (int) (System.nanoTime() % 1_000);
            index.put(i, vectors[i]);
            exact.put(i, vectors[i]);
            Thread.sleep(1);
        }
        threads.shutdown();
        assertTrue(index.isTrained());
        assertEquals(exact.size(), index.size());
        assertTrue(IvfIndexTest.recallAt10(index, exact, queries, SearchParams.DEFAULT) >= 0.95,
                "the graph built beside the writer");
        for (int i = 0; i < 1_500; i += 5) {
            List<Hit<Integer>> hits = index.search(i < 1_000 ? vectors[i] : replacements[i - 1_000], 1,
                    SearchParams.DEFAULT, null);
            if (i < 1_000) {
                assertTrue(hits.isEmpty() || hits.getFirst().key() != i, "removed " + i + " is gone");
            } else {
                assertEquals(i, hits.getFirst().key(), "replaced " + i + " is found where it now is");
            }
        }
    }

    @Test
    void aBulkLoadWithoutABuildThreadIsLinkedWhenItEnds() {
        SyntheticData data = SyntheticData.forSize(5_000, DIMENSION, 41);
        float[][] vectors = data.vectors(5_000, 42);
        HnswIndex<Integer> index = hnsw(Metric.DOT);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.DOT);
        index.beginBulkLoad();
        for (int i = 0; i < vectors.length; i++) {
            index.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        assertFalse(index.isTrained(), "unlinked nodes: exact answers until the load ends");
        index.endBulkLoad(true);
        assertTrue(index.isTrained() && !index.willTrain());
        float[][] queries = data.vectors(100, 43);
        assertTrue(IvfIndexTest.recallAt10(index, exact, queries, SearchParams.DEFAULT) >= 0.95);
    }

    @Test
    void aReplacedVectorIsFoundWhereItNowIsAndNotWhereItWas() {
        HnswIndex<Integer> index = hnsw(Metric.L2);
        Random random = new Random(3);
        for (int i = 0; i < 2_000; i++) {
            index.put(i, randomVector(random, 0));
        }
        float[] far = randomVector(random, 100);
        index.put(7, far);
        assertEquals(2_000, index.size());
        assertEquals(7, index.search(far, 1, SearchParams.DEFAULT, null).getFirst().key());
        float[] near = new float[DIMENSION];
        List<Hit<Integer>> around = index.search(near, 2_000, SearchParams.DEFAULT.withEf(2_000), null);
        assertTrue(around.size() >= 1_990, "about every node reachable: " + around.size());
        assertEquals(around.size(), around.stream().map(Hit::key).distinct().count(), "each once");
        assertEquals(7, around.getLast().key(), "its old place is gone: it is the farthest now");
    }

    @Test
    void theOnlyNodeReplacedAndRemovedLeavesAnEmptyIndexThatWorks() {
        HnswIndex<Integer> index = hnsw(Metric.DOT);
        float[] v = randomVector(new Random(1), 0);
        index.put(1, v);
        index.put(1, v);
        assertEquals(List.of(1), index.search(v, 5, SearchParams.DEFAULT, null).stream().map(Hit::key).toList());
        assertTrue(index.remove(1));
        assertEquals(List.of(), index.search(v, 5, SearchParams.DEFAULT, null));
        index.put(2, v);
        assertEquals(2, index.search(v, 1, SearchParams.DEFAULT, null).getFirst().key());
    }

    @Test
    void aFilterKeepsOnlyWhatItAllows() {
        HnswIndex<Integer> index = hnsw(Metric.COSINE);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        SyntheticData data = SyntheticData.forSize(5_000, DIMENSION, 9);
        float[][] vectors = data.vectors(5_000, 10);
        for (int i = 0; i < vectors.length; i++) {
            index.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        double found = 0;
        float[][] queries = data.vectors(50, 11);
        for (float[] q : queries) {
            List<Hit<Integer>> hits = index.search(q, 10, SearchParams.DEFAULT.withSelectivity(0.25), k -> k % 4 == 0);
            assertTrue(hits.stream().allMatch(h -> h.key() % 4 == 0), hits.toString());
            Set<Integer> truth = new HashSet<>();
            exact.search(q, 10, SearchParams.DEFAULT, k -> k % 4 == 0).forEach(h -> truth.add(h.key()));
            found += hits.stream().filter(h -> truth.contains(h.key())).count() / 10.0;
        }
        assertTrue(found / queries.length >= 0.95, "filtered recall " + found / queries.length);
    }

    @Test
    void parametersOutsideTheirRangesAreRefusedByName() {
        assertEquals("m", refused(Map.of("m", HnswParams.MAX_M + 1)));
        assertEquals("m", refused(Map.of("m", 1)));
        assertEquals("efConstruction", refused(Map.of("efConstruction", 0)));
        assertEquals("efSearch", refused(Map.of("efSearch", HnswParams.MAX_EF + 1)));
        assertEquals(32, ((HnswIndex<?>) IndexFactory.create("hnsw", DIMENSION, Metric.L2, Map.of("m", 32))).params().m());
        IndexFactory.check("hnsw", Map.of("m", 32, "efConstruction", 200, "efSearch", 100), DIMENSION);
    }

    private static String refused(final Map<String, Number> params) {
        try {
            IndexFactory.create("hnsw", DIMENSION, Metric.L2, params);
        } catch (InvalidIndexParameter e) {
            return e.parameter();
        }
        throw new AssertionError("accepted " + params);
    }

    private static float[] randomVector(final Random random, final float offset) {
        float[] v = new float[DIMENSION];
        for (int d = 0; d < DIMENSION; d++) {
            v[d] = offset + (float) random.nextGaussian();
        }
        return v;
    }
}
