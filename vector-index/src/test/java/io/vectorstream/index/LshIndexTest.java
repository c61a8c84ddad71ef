package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.testing.SyntheticData;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LshIndexTest {

    private static final int DIMENSION = 32;

    @ParameterizedTest
    @EnumSource(Metric.class)
    void recallAgainstExactSearchGrowsWithProbes(final Metric metric) {
        SyntheticData data = SyntheticData.forSize(10_000, DIMENSION, 21);
        float[][] vectors = data.vectors(10_000, 22);
        LshIndex<Integer> lsh = new LshIndex<>(DIMENSION, metric, LshParams.DEFAULT);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, metric);
        for (int i = 0; i < vectors.length; i++) {
            float[] v = IvfIndexTest.scaled(vectors[i], metric, i);
            lsh.put(i, v);
            exact.put(i, v);
        }
        float[][] queries = data.vectors(100, 23);
        double one = IvfIndexTest.recallAt10(lsh, exact, queries, new SearchParams(0, 1, false));
        double many = IvfIndexTest.recallAt10(lsh, exact, queries, new SearchParams(0, 64, false));
        assertTrue(many > one, metric + ": more probes find more (" + one + " -> " + many + ")");
        assertTrue(many >= 0.8, metric + " recall@10 with 64 probes " + many);
        assertEquals(1.0, IvfIndexTest.recallAt10(lsh, exact, queries, SearchParams.EXACT), 1e-9);
    }

    @Test
    void requiringCollisionsInMoreTablesScoresFewerVectorsYetKeepsTheNearOnes() {
        SyntheticData data = SyntheticData.forSize(10_000, DIMENSION, 41);
        float[][] vectors = data.vectors(10_000, 42);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        LshParams d = LshParams.DEFAULT;
        LshIndex<Integer> once = new LshIndex<>(DIMENSION, Metric.COSINE,
                new LshParams(d.tables(), d.bits(), 64, 1, d.width(), d.seed(), d.sq8()));
        LshIndex<Integer> twice = new LshIndex<>(DIMENSION, Metric.COSINE,
                new LshParams(d.tables(), d.bits(), 64, 2, d.width(), d.seed(), d.sq8()));
        for (int i = 0; i < vectors.length; i++) {
            exact.put(i, vectors[i]);
            once.put(i, vectors[i]);
            twice.put(i, vectors[i]);
        }
        float[][] queries = data.vectors(100, 43);
        long scoredOnce = 0;
        long scoredTwice = 0;
        for (float[] q : queries) {
            scoredOnce += once.candidateCount(q, 64);
            scoredTwice += twice.candidateCount(q, 64);
        }
        assertTrue(scoredTwice * 2 < scoredOnce, "scored " + scoredOnce + " vectors meeting the query once, "
                + scoredTwice + " meeting it twice");
        double recallOnce = IvfIndexTest.recallAt10(once, exact, queries, SearchParams.DEFAULT);
        double recallTwice = IvfIndexTest.recallAt10(twice, exact, queries, SearchParams.DEFAULT);
        assertTrue(recallTwice >= 0.8 * recallOnce, "recall@10 " + recallOnce + " -> " + recallTwice);
        // A stored vector collides with itself in every table: it is always found.
        for (int i = 0; i < 50; i++) {
            assertEquals(i * 37, twice.search(vectors[i * 37], 1, SearchParams.DEFAULT, null).getFirst().key());
        }
    }

    private static void assertSameAnswers(final LshIndex<Integer> expected, final LshIndex<Integer> actual,
                                          final float[][] queries) {
        for (float[] q : queries) {
            assertEquals(expected.search(q, 10, SearchParams.DEFAULT, null).stream().map(Hit::key).toList(),
                    actual.search(q, 10, SearchParams.DEFAULT, null).stream().map(Hit::key).toList());
        }
    }

    @Test
    void aBulkLoadSearchesExactlyUntilHashedThenLikeAnIndexLoadedOneByOne() {
        SyntheticData data = SyntheticData.forSize(3_000, DIMENSION, 41);
        float[][] vectors = data.vectors(3_000, 42);
        LshIndex<Integer> oneByOne = new LshIndex<>(DIMENSION, Metric.COSINE, LshParams.DEFAULT);
        LshIndex<Integer> bulk = new LshIndex<>(DIMENSION, Metric.COSINE, LshParams.DEFAULT);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        bulk.beginBulkLoad();
        for (int i = 0; i < vectors.length; i++) {
            oneByOne.put(i, vectors[i]);
            bulk.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        // Removed before it was ever hashed (after the first 1,000, whose mean both centre on).
        oneByOne.remove(2_007);
        bulk.remove(2_007);
        exact.remove(2_007);
        bulk.endBulkLoad(true);
        float[][] queries = data.vectors(20, 43);
        assertFalse(bulk.isTrained());
        assertEquals(1.0, IvfIndexTest.recallAt10(bulk, exact, queries, SearchParams.DEFAULT), 1e-9, "exact until hashed");

        assertTrue(bulk.trainIfDue());
        assertTrue(bulk.isTrained());
        assertFalse(bulk.trainIfDue());
        assertSameAnswers(oneByOne, bulk, queries);
        // Writes after it keep the buckets right: a replaced vector is found under its new value only.
        bulk.put(3, vectors[11]);
        oneByOne.put(3, vectors[11]);
        assertSameAnswers(oneByOne, bulk, queries);
    }

    @Test
    void hyperplanesThroughTheDataMeanSplitVectorsThatShareADirection() {
        // Sentence embeddings share a direction: here every vector is a common offset plus noise.
        SyntheticData data = SyntheticData.forSize(5_000, DIMENSION, 51);
        float[][] vectors = data.vectors(5_000, 52);
        float[] offset = data.vectors(1, 53)[0];
        LshIndex<Integer> lsh = new LshIndex<>(DIMENSION, Metric.COSINE, LshParams.DEFAULT);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        for (int i = 0; i < vectors.length; i++) {
            float[] v = new float[DIMENSION];
            for (int d = 0; d < DIMENSION; d++) {
                v[d] = 3 * offset[d] + vectors[i][d];
            }
            v = Similarity.normalized(v);
            lsh.put(i, v);
            exact.put(i, v);
            if (i == LshIndex.CENTRE_SAMPLE - 2) {
                // Through the origin, every hyperplane leaves almost all of them on one side.
                assertTrue(lsh.candidateCount(v, 1) > i / 4, "one crowded bucket: " + lsh.candidateCount(v, 1));
            }
        }
        float[][] queries = data.vectors(50, 54);
        long candidates = 0;
        for (int q = 0; q < queries.length; q++) {
            for (int d = 0; d < DIMENSION; d++) {
                queries[q][d] += 3 * offset[d];
            }
            candidates += lsh.candidateCount(queries[q], 1);
        }
        assertTrue(candidates / queries.length < vectors.length / 50,
                "through the mean, a query's own buckets hold few: " + candidates / queries.length);
        double recall = IvfIndexTest.recallAt10(lsh, exact, queries, SearchParams.DEFAULT);
        assertTrue(recall >= 0.8, "recall@10 " + recall);
    }

    @Test
    void theSameSeedHashesTheSameWay() {
        SyntheticData data = SyntheticData.forSize(2_000, DIMENSION, 31);
        float[][] vectors = data.vectors(2_000, 32);
        LshIndex<Integer> a = new LshIndex<>(DIMENSION, Metric.COSINE, LshParams.DEFAULT);
        LshIndex<Integer> b = new LshIndex<>(DIMENSION, Metric.COSINE, LshParams.DEFAULT);
        // Another insertion order, the same first 1,000 (the hyperplanes go through their mean).
        for (int i = 0; i < vectors.length; i++) {
            int j = i < LshIndex.CENTRE_SAMPLE ? LshIndex.CENTRE_SAMPLE - 1 - i : vectors.length - 1 - (i - 1_000);
            a.put(i, vectors[i]);
            b.put(j, vectors[j]);
        }
        for (float[] q : data.vectors(20, 33)) {
            List<Integer> fromA = a.search(q, 10, new SearchParams(0, 2, false), null).stream().map(Hit::key).toList();
            List<Integer> fromB = b.search(q, 10, new SearchParams(0, 2, false), null).stream().map(Hit::key).toList();
            assertEquals(fromA, fromB);
        }
    }

    @Test
    void removedAndReplacedVectorsAreNeverReturnedStale() {
        LshIndex<String> lsh = new LshIndex<>(2, Metric.L2, LshParams.DEFAULT);
        lsh.put("a", new float[] {1, 1});
        lsh.put("b", new float[] {1.1f, 1});
        lsh.put("c", new float[] {5, 5});
        lsh.remove("a");
        lsh.put("c", new float[] {1, 1.05f});
        List<Hit<String>> hits = lsh.search(new float[] {1, 1}, 3, SearchParams.EXACT, null);
        assertEquals(List.of("c", "b"), hits.stream().map(Hit::key).toList());
        assertEquals(0.05f, hits.getFirst().score(), 1e-6);
        assertEquals(2, lsh.size());
    }

    @Test
    void probesComeCheapestFirstStartingWithTheQuerysOwnBucket() {
        float[] costs = {0.5f, 0.1f, 0.3f, 0.9f};
        List<int[]> sets = ProbeSequence.cheapest(costs, 6);
        assertArrayEquals(new int[0], sets.get(0));
        assertArrayEquals(new int[] {1}, sets.get(1)); // 0.1
        assertArrayEquals(new int[] {2}, sets.get(2)); // 0.3
        assertArrayEquals(new int[] {1, 2}, sets.get(3)); // 0.4
        assertArrayEquals(new int[] {0}, sets.get(4)); // 0.5
        assertArrayEquals(new int[] {1, 0}, sets.get(5)); // 0.6
    }
}
