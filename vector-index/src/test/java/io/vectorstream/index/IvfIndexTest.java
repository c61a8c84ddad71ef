package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.testing.SyntheticData;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class IvfIndexTest {

    private static final int DIMENSION = 32;

    static float[] scaled(final float[] v, final Metric metric, final int i) {
        if (metric == Metric.COSINE) {
            return v;
        }
        float[] out = v.clone();
        float scale = 1 + (i % 5) * 0.25f; // vary norms so dot and l2 differ from cosine
        for (int d = 0; d < out.length; d++) {
            out[d] *= scale;
        }
        return out;
    }

    /** Average recall@10 of {@code index} against exact search over the same vectors. */
    static double recallAt10(final VectorIndex<Integer> index, final FlatIndex<Integer> exact, final float[][] queries,
                             final SearchParams params) {
        double total = 0;
        for (float[] q : queries) {
            Set<Integer> truth = new HashSet<>();
            exact.search(q, 10, SearchParams.DEFAULT, null).forEach(h -> truth.add(h.key()));
            long found = index.search(q, 10, params, null).stream().filter(h -> truth.contains(h.key())).count();
            total += found / 10.0;
        }
        return total / queries.length;
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void recallAgainstExactSearchIsHighAtTheDefaultNprobe(final Metric metric) {
        SyntheticData data = SyntheticData.forSize(20_000, DIMENSION, 1);
        float[][] vectors = data.vectors(20_000, 2);
        IvfIndex<Integer> ivf = new IvfIndex<>(DIMENSION, metric, IvfParams.DEFAULT.withTrainThreshold(5_000));
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, metric);
        for (int i = 0; i < vectors.length; i++) {
            float[] v = scaled(vectors[i], metric, i);
            ivf.put(i, v);
            exact.put(i, v);
        }
        assertTrue(ivf.isTrained());
        assertEquals(20_000, ivf.size());
        float[][] queries = data.vectors(100, 3);
        double recall = recallAt10(ivf, exact, queries, SearchParams.DEFAULT);
        // Measured 0.95 (dot) to 0.996 (cosine) on this data; the floor leaves room for seeds, not for a broken index.
        assertTrue(recall >= 0.90, metric + " recall@10 " + recall);
        assertEquals(1.0, recallAt10(ivf, exact, queries, SearchParams.EXACT), 1e-9);
        double narrow = recallAt10(ivf, exact, queries, new SearchParams(1, 0, false));
        assertTrue(narrow < recall, "one list finds less than several: " + narrow + " vs " + recall);
    }

    @Test
    void aBulkLoadTrainsOnceAtTheEndOrWhenToldToAndSearchesExactlyUntilThen() {
        SyntheticData data = SyntheticData.forSize(12_000, DIMENSION, 7);
        float[][] vectors = data.vectors(12_000, 8);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        IvfIndex<Integer> now = new IvfIndex<>(DIMENSION, Metric.COSINE, IvfParams.DEFAULT.withTrainThreshold(2_000));
        IvfIndex<Integer> later = new IvfIndex<>(DIMENSION, Metric.COSINE, IvfParams.DEFAULT.withTrainThreshold(2_000));
        now.beginBulkLoad();
        later.beginBulkLoad();
        for (int i = 0; i < vectors.length; i++) {
            now.put(i, vectors[i]);
            later.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        // One by one they would have trained at 2,000, 4,000 and 8,000 vectors.
        assertFalse(now.isTrained(), "no training while loading");
        now.endBulkLoad(false);
        assertTrue(now.isTrained());
        float[][] queries = data.vectors(100, 9);
        double recall = recallAt10(now, exact, queries, SearchParams.DEFAULT);
        assertTrue(recall >= 0.90, "recall@10 " + recall);
        assertFalse(now.trainIfDue(), "trained already");

        later.endBulkLoad(true);
        assertFalse(later.isTrained());
        assertEquals(1.0, recallAt10(later, exact, queries, SearchParams.DEFAULT), 1e-9, "exact until trained");
        assertTrue(later.trainIfDue());
        assertTrue(later.isTrained());
        assertFalse(later.trainIfDue());
        assertEquals(recall, recallAt10(later, exact, queries, SearchParams.DEFAULT), 0.05);

        // Everything removed before the due training: it is done with (nothing to train on), not due forever.
        IvfIndex<Integer> emptied = new IvfIndex<>(DIMENSION, Metric.COSINE, IvfParams.DEFAULT.withTrainThreshold(2_000));
        emptied.beginBulkLoad();
        for (int i = 0; i < 2_500; i++) {
            emptied.put(i, vectors[i]);
        }
        emptied.endBulkLoad(true);
        for (int i = 0; i < 2_500; i++) {
            emptied.remove(i);
        }
        emptied.trainIfDue();
        assertFalse(emptied.trainIfDue(), "still due after training found nothing to train on");

        // Below the threshold a bulk load leaves the index untrained (exact), as one by one would.
        IvfIndex<Integer> small = new IvfIndex<>(DIMENSION, Metric.COSINE, IvfParams.DEFAULT);
        small.beginBulkLoad();
        small.put(1, vectors[1]);
        small.endBulkLoad(false);
        assertFalse(small.isTrained());
        assertFalse(small.trainIfDue());
    }

    @Test
    void belowTheTrainingThresholdEverySearchIsExact() {
        SyntheticData data = SyntheticData.forSize(1_000, DIMENSION, 4);
        float[][] vectors = data.vectors(1_000, 5);
        IvfIndex<Integer> ivf = new IvfIndex<>(DIMENSION, Metric.COSINE, IvfParams.DEFAULT);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        for (int i = 0; i < vectors.length; i++) {
            ivf.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        assertFalse(ivf.isTrained());
        assertEquals(1.0, recallAt10(ivf, exact, data.vectors(20, 6), SearchParams.DEFAULT), 1e-9);
    }

    @Test
    void removedAndReplacedVectorsAreNeverReturnedStaleAcrossRetraining() {
        SyntheticData data = SyntheticData.forSize(12_000, DIMENSION, 7);
        float[][] vectors = data.vectors(12_000, 8);
        IvfIndex<Integer> ivf = new IvfIndex<>(DIMENSION, Metric.DOT, IvfParams.DEFAULT.withTrainThreshold(2_000));
        for (int i = 0; i < 3_000; i++) {
            ivf.put(i, vectors[i]);
        }
        assertTrue(ivf.isTrained());
        int firstNlist = ivf.nlist();
        for (int i = 0; i < 3_000; i += 2) {
            assertTrue(ivf.remove(i));
        }
        assertFalse(ivf.remove(0));
        // Key 1 now points far away from everything: only the new vector may be found.
        float[] far = new float[DIMENSION];
        far[0] = 100;
        ivf.put(1, far);
        for (int i = 3_000; i < 12_000; i++) {
            ivf.put(i, vectors[i]); // grows past 2x its training size: retrains
        }
        assertTrue(ivf.nlist() > firstNlist, "retrained with more lists: " + ivf.nlist());
        assertEquals(12_000 - 1_500, ivf.size());
        List<Hit<Integer>> top = ivf.search(far, 1, SearchParams.DEFAULT, null);
        assertEquals(1, top.getFirst().key());
        assertEquals(100 * 100, top.getFirst().score(), 1e-3);
        for (float[] q : data.vectors(50, 9)) {
            for (Hit<Integer> hit : ivf.search(q, 20, SearchParams.EXACT, null)) {
                assertTrue(hit.key() >= 3_000 || hit.key() % 2 == 1, "removed key " + hit.key() + " returned");
            }
        }
        assertEquals(12_000 - 1_500, ivf.search(far, 20_000, SearchParams.EXACT, null).size());
    }

    @Test
    void vectorsFromNewTopicsTriggerRetrainingAndKeepRecall() {
        // Trained on the first half of the topics; then only the other half arrives.
        SyntheticData data = new SyntheticData(DIMENSION, 100, 0.5, 1.2, 12);
        IvfIndex<Integer> ivf = new IvfIndex<>(DIMENSION, Metric.COSINE, IvfParams.DEFAULT.withTrainThreshold(4_000));
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        float[][] old = data.vectorsOfClusters(4_000, 0, 50, 13);
        float[][] moved = data.vectorsOfClusters(3_000, 50, 100, 14);
        for (int i = 0; i < old.length; i++) {
            ivf.put(i, old[i]);
            exact.put(i, old[i]);
        }
        int trainedWith = ivf.nlist();
        for (int i = 0; i < moved.length; i++) {
            ivf.put(10_000 + i, moved[i]);
            exact.put(10_000 + i, moved[i]);
        }
        assertTrue(ivf.nlist() != trainedWith, "retrained on drift before doubling: nlist " + ivf.nlist());
        double recall = recallAt10(ivf, exact, data.vectorsOfClusters(100, 50, 100, 15), SearchParams.DEFAULT);
        assertTrue(recall >= 0.85, "recall on the new topics " + recall);
    }

    @Test
    void kMeansConvergesAndAssignsEveryVector() {
        // Four well separated blobs: k-means with k = 4 must find one centroid per blob.
        Random random = new Random(11);
        float[][] points = new float[4_000][];
        for (int i = 0; i < points.length; i++) {
            int blob = i % 4;
            points[i] = new float[] {blob * 10 + (float) random.nextGaussian() * 0.1f,
                (blob % 2) * 10 + (float) random.nextGaussian() * 0.1f};
        }
        KMeans.Centroids centroids = KMeans.train(points, 4, Metric.L2, 20, 1);
        int[] assignment = new int[points.length];
        Arrays.fill(assignment, -1);
        KMeans.assign(points, centroids.data(), 4, Metric.L2, assignment);
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < points.length; i++) {
            assertTrue(assignment[i] >= 0);
            used.add(assignment[i]);
            assertEquals(assignment[i % 4], assignment[i], "points of one blob share a centroid");
        }
        assertEquals(4, used.size());
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void anIndexThatAdoptsATrainingAnswersAsTheIndexThatMadeIt(final Metric metric) {
        SyntheticData data = SyntheticData.forSize(3_000, DIMENSION, 7);
        float[][] vectors = data.vectors(3_000, 8);
        IvfParams params = IvfParams.DEFAULT.withTrainThreshold(500);
        IvfIndex<Integer> trained = new IvfIndex<>(DIMENSION, metric, params);
        for (int i = 0; i < vectors.length; i++) {
            trained.put(i, scaled(vectors[i], metric, i));
        }
        assertTrue(trained.isTrained());
        IvfIndex.Training training = IvfIndex.Training.decode(trained.training().encode());

        // The same vectors in another order (as a reopened shard reads them), then the training.
        IvfIndex<Integer> adopting = new IvfIndex<>(DIMENSION, metric, params);
        adopting.beginBulkLoad();
        for (int i = vectors.length - 1; i >= 0; i--) {
            adopting.put(i, scaled(vectors[i], metric, i));
        }
        adopting.endBulkLoad(true);
        assertFalse(adopting.isTrained());
        assertTrue(adopting.adoptTraining(training));
        assertEquals(trained.nlist(), adopting.nlist());

        SearchParams narrow = new SearchParams(2, 0, false); // 2 lists of dozens: far from exact
        for (float[] q : data.vectors(50, 9)) {
            assertEquals(trained.search(q, 10, narrow, null).stream().map(Hit::key).toList(),
                    adopting.search(q, 10, narrow, null).stream().map(Hit::key).toList());
        }
    }

    @Test
    void aTrainingOfAnotherDimensionOrQuantisationIsRefusedAndADamagedOneDoesNotDecode() {
        SyntheticData data = SyntheticData.forSize(1_000, DIMENSION, 3);
        IvfIndex<Integer> trained = new IvfIndex<>(DIMENSION, Metric.L2, IvfParams.DEFAULT.withTrainThreshold(200));
        float[][] vectors = data.vectors(1_000, 4);
        for (int i = 0; i < vectors.length; i++) {
            trained.put(i, vectors[i]);
        }
        IvfIndex.Training training = trained.training();
        assertFalse(new IvfIndex<Integer>(DIMENSION + 1, Metric.L2, IvfParams.DEFAULT).adoptTraining(training));
        IvfParams plain = new IvfParams(0, 0, 10_000, 2.0, 24, 6, 42, false, 8);
        assertFalse(new IvfIndex<Integer>(DIMENSION, Metric.L2, plain).adoptTraining(training), "sq8 differs");

        byte[] bytes = training.encode();
        Assertions.assertThrows(IllegalArgumentException.class,
                () -> IvfIndex.Training.decode(Arrays.copyOf(bytes, bytes.length - 5)));
    }

    @Test
    void anAdoptedTrainingOfAMuchLargerOrSmallerIndexAsksForANewOne() {
        SyntheticData data = SyntheticData.forSize(4_000, DIMENSION, 5);
        float[][] vectors = data.vectors(4_000, 6);
        IvfParams params = IvfParams.DEFAULT.withTrainThreshold(500);
        IvfIndex<Integer> trained = new IvfIndex<>(DIMENSION, Metric.COSINE, params);
        for (int i = 0; i < 2_000; i++) {
            trained.put(i, vectors[i]);
        }
        trained.train();
        IvfIndex.Training training = trained.training(); // made on 2,000 vectors

        IvfIndex<Integer> shrunk = new IvfIndex<>(DIMENSION, Metric.COSINE, params);
        for (int i = 0; i < 600; i++) { // most vectors deleted since that training
            shrunk.put(i, vectors[i]);
        }
        assertTrue(shrunk.adoptTraining(training));
        assertTrue(shrunk.trainIfDue(), "1,400 of 2,000 vectors gone: trains anew");

        IvfIndex<Integer> grown = new IvfIndex<>(DIMENSION, Metric.COSINE, params);
        grown.beginBulkLoad();
        for (int i = 0; i < 4_000; i++) {
            grown.put(i, vectors[i]);
        }
        grown.endBulkLoad(true);
        assertTrue(grown.adoptTraining(training));
        assertTrue(grown.trainIfDue(), "twice the training size: trains anew");

        IvfIndex<Integer> same = new IvfIndex<>(DIMENSION, Metric.COSINE, params);
        for (int i = 0; i < 2_000; i++) {
            same.put(i, vectors[i]);
        }
        assertTrue(same.adoptTraining(training));
        assertFalse(same.trainIfDue(), "the index the training was made for: nothing to do");
    }

    @Test
    void aTrainingBesideTheWriterIsInstalledWithTheWritesMadeWhileItRan() throws Exception {
        HeldBuildThread threads = new HeldBuildThread();
        BackgroundTraining background = threads.background();
        SyntheticData data = SyntheticData.forSize(6_000, DIMENSION, 21);
        float[][] vectors = data.vectors(6_000, 22);
        IvfIndex<Integer> ivf = new IvfIndex<>(DIMENSION, Metric.COSINE, IvfParams.DEFAULT.withTrainThreshold(2_000),
                background);
        FlatIndex<Integer> exact = new FlatIndex<>(DIMENSION, Metric.COSINE);
        for (int i = 0; i < 2_000; i++) {
            ivf.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        assertTrue(ivf.isTraining(), "the threshold started a training beside the writer");
        assertFalse(ivf.isTrained(), "it searches exactly until the training is installed");
        // Meanwhile: new vectors, removals and rewrites of vectors the training's snapshot holds.
        for (int i = 2_000; i < 5_000; i++) {
            ivf.put(i, vectors[i]);
            exact.put(i, vectors[i]);
        }
        for (int i = 0; i < 500; i++) {
            ivf.remove(i);
            exact.remove(i);
        }
        for (int i = 500; i < 700; i++) {
            ivf.put(i, vectors[5_000 + i]);
            exact.put(i, vectors[5_000 + i]);
        }
        assertTrue(ivf.isTraining());
        threads.open();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ivf.trainIfDue() && ivf.isTraining()) {
            assertTrue(System.nanoTime() < deadline, "the training was not installed in 30 s");
            Thread.sleep(10);
        }
        assertTrue(ivf.isTrained());
        assertFalse(ivf.isTraining());
        assertEquals(4_500, ivf.size());
        // Every vector is in the lists as it is now: probing every list finds each one first.
        SearchParams everyList = new SearchParams(ivf.nlist(), 0, false);
        for (int i = 0; i < 5_000; i += 7) {
            List<Hit<Integer>> hits = ivf.search(i < 500 ? vectors[i] : i < 700 ? vectors[5_000 + i] : vectors[i], 1,
                    everyList, null);
            if (i < 500) {
                assertTrue(hits.isEmpty() || hits.getFirst().key() != i, "removed " + i + " is gone");
            } else {
                assertEquals(i, hits.getFirst().key(), "vector " + i);
            }
        }
        float[][] queries = data.vectors(100, 23);
        double recall = recallAt10(ivf, exact, queries, SearchParams.DEFAULT);
        assertTrue(recall >= 0.90, "recall@10 " + recall);
        threads.shutdown();
    }
}
