package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * k-means finds well-separated clusters exactly (every point with its cluster-mates, centroids at the
 * clusters' means and near the true centres) under each metric, handles k = 1 and k = n, assigns points
 * as a brute-force search would, honours its stop flag between Lloyd iterations and runs on its own pool.
 */
class KMeansTest {

    /** Points drawn around known centres, with the cluster each was drawn from. */
    private record Clustered(float[][] points, int[] truth, float[][] centres) {
    }

    /**
     * Under l2: Gaussian centres about 56 apart, points within about 2 of theirs. Under cosine and dot:
     * unit points around orthogonal unit directions (the first {@code clusters} axes), about 0.2 off.
     */
    private static Clustered clustered(final Metric metric, final int clusters, final int perCluster,
                                       final int dimension, final long seed) {
        Random random = new Random(seed);
        float[][] centres = new float[clusters][dimension];
        for (int c = 0; c < clusters; c++) {
            for (int d = 0; d < dimension; d++) {
                centres[c][d] = metric == Metric.L2 ? (float) (random.nextGaussian() * 10) : (d == c ? 1f : 0f);
            }
        }
        int n = clusters * perCluster;
        float[][] points = new float[n][];
        int[] truth = new int[n];
        // Shuffled order, so that clusters are not contiguous runs of points.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        for (int i = 0; i < n; i++) {
            int c = order.get(i) % clusters;
            float[] p = new float[dimension];
            for (int d = 0; d < dimension; d++) {
                p[d] = centres[c][d] + (float) (random.nextGaussian() * (metric == Metric.L2 ? 0.5 : 0.05));
            }
            points[i] = metric == Metric.L2 ? p : Similarity.normalized(p);
            truth[i] = c;
        }
        return new Clustered(points, truth, centres);
    }

    private static float[] gaussian(final Random random, final int dimension) {
        float[] v = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            v[d] = (float) random.nextGaussian();
        }
        return v;
    }

    private static double distance(final float[] a, final float[] b) {
        double sum = 0;
        for (int d = 0; d < a.length; d++) {
            sum += (double) (a[d] - b[d]) * (a[d] - b[d]);
        }
        return Math.sqrt(sum);
    }

    /** The internal score in double precision: inner product, or negative squared distance under l2. */
    private static double score(final Metric metric, final float[] a, final float[] b) {
        if (metric == Metric.L2) {
            double dist = distance(a, b);
            return -dist * dist;
        }
        double sum = 0;
        for (int d = 0; d < a.length; d++) {
            sum += (double) a[d] * b[d];
        }
        return sum;
    }

    /** The mean of the points with {@code label} in {@code labels}, unit length under cosine. */
    private static float[] mean(final float[][] points, final int[] labels, final int label, final Metric metric) {
        double[] sum = new double[points[0].length];
        int count = 0;
        for (int i = 0; i < points.length; i++) {
            if (labels[i] == label) {
                count++;
                for (int d = 0; d < sum.length; d++) {
                    sum[d] += points[i][d];
                }
            }
        }
        assertTrue(count > 0, "no point has label " + label);
        double norm = 0;
        for (int d = 0; d < sum.length; d++) {
            sum[d] /= count;
            norm += sum[d] * sum[d];
        }
        float[] out = new float[sum.length];
        for (int d = 0; d < sum.length; d++) {
            out[d] = (float) (metric == Metric.COSINE ? sum[d] / Math.sqrt(norm) : sum[d]);
        }
        return out;
    }

    private static void assertClose(final float[] expected, final float[] actual, final double tolerance,
                                    final String what) {
        assertTrue(distance(expected, actual) <= tolerance,
                what + ": " + Arrays.toString(actual) + " is " + distance(expected, actual) + " from "
                        + Arrays.toString(expected));
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void findsWellSeparatedClustersWithCentroidsAtTheirMeans(final Metric metric) {
        int clusters = 6;
        int dimension = 16;
        for (long seed = 1; seed <= 3; seed++) {
            Clustered data = clustered(metric, clusters, 60, dimension, seed);
            KMeans.Centroids centroids = KMeans.train(data.points(), clusters, metric, 25, seed * 31);
            assertEquals(clusters, centroids.k());
            assertEquals(dimension, centroids.dimension());
            assertEquals(clusters * dimension, centroids.data().length);

            int[] found = new int[data.points().length];
            KMeans.assign(data.points(), centroids.data(), clusters, metric, found);
            // Each true cluster maps to one centroid, and no two clusters share one.
            Map<Integer, Integer> centroidOf = new HashMap<>();
            for (int i = 0; i < found.length; i++) {
                Integer previous = centroidOf.putIfAbsent(data.truth()[i], found[i]);
                assertTrue(previous == null || previous == found[i],
                        "seed " + seed + ": point " + i + " of cluster " + data.truth()[i] + " is apart from its mates");
            }
            assertEquals(clusters, new HashSet<>(centroidOf.values()).size(), "seed " + seed + ": clusters merged");

            for (int c = 0; c < clusters; c++) {
                int label = centroidOf.get(c);
                float[] centroid = centroids.row(label);
                // Converged: the centroid is the mean of its points (unit length under cosine) ...
                assertClose(mean(data.points(), found, label, metric), centroid, 1e-4, "seed " + seed + " centroid " + label);
                // ... and so close to the centre the cluster was drawn around.
                assertClose(data.centres()[c], centroid, metric == Metric.L2 ? 1.0 : 0.1, "seed " + seed + " centre " + c);
            }
            if (metric == Metric.COSINE) {
                for (int c = 0; c < clusters; c++) {
                    assertEquals(1.0, Similarity.norm(centroids.row(c)), 1e-5, "spherical k-means keeps unit centroids");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void oneClusterIsTheMeanOfAllPoints(final Metric metric) {
        Random random = new Random(4);
        float[][] points = new float[300][];
        for (int i = 0; i < points.length; i++) {
            float[] v = gaussian(random, 10);
            v[0] += 3; // a mean well away from zero, so normalising it is meaningful
            points[i] = metric == Metric.L2 ? v : Similarity.normalized(v);
        }
        KMeans.Centroids centroids = KMeans.train(points, 1, metric, 10, 99);
        assertEquals(1, centroids.k());
        assertClose(mean(points, new int[points.length], 0, metric), centroids.row(0), 1e-5, "the one centroid");
    }

    @Test
    void asManyClustersAsPointsMakesEveryPointACentroid() {
        Random random = new Random(6);
        float[][] points = new float[40][];
        for (int i = 0; i < points.length; i++) {
            points[i] = gaussian(random, 8);
        }
        KMeans.Centroids centroids = KMeans.train(points, points.length, Metric.L2, 10, 3);
        assertEquals(points.length, centroids.k());
        Set<String> expected = new HashSet<>();
        Set<String> actual = new HashSet<>();
        for (int i = 0; i < points.length; i++) {
            expected.add(Arrays.toString(points[i]));
            actual.add(Arrays.toString(centroids.row(i)));
        }
        assertEquals(expected, actual);
        for (float[] p : points) {
            int nearest = KMeans.nearest(p, centroids.data(), centroids.k(), Metric.L2);
            assertArrayEquals(p, centroids.row(nearest), "each point is its own cluster");
        }
    }

    @Test
    void underCosineAsManyClustersAsPointsPutsACentroidOnEachPoint() {
        Random random = new Random(12);
        float[][] points = new float[30][];
        for (int i = 0; i < points.length; i++) {
            points[i] = Similarity.normalized(gaussian(random, 8));
        }
        KMeans.Centroids centroids = KMeans.train(points, points.length, Metric.COSINE, 10, 5);
        Set<Integer> used = new HashSet<>();
        for (float[] p : points) {
            int nearest = KMeans.nearest(p, centroids.data(), centroids.k(), Metric.COSINE);
            assertTrue(used.add(nearest), "two points share centroid " + nearest);
            assertClose(p, centroids.row(nearest), 1e-5, "centroid of its own point");
        }
    }

    @Test
    void moreClustersThanPointsGivesOnePerPoint() {
        float[][] points = {{0, 0}, {1, 0}, {0, 5}};
        KMeans.Centroids centroids = KMeans.train(points, 10, Metric.L2, 10, 1);
        assertEquals(3, centroids.k());
        assertEquals(6, centroids.data().length);
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void nearestAndAssignAgreeWithBruteForce(final Metric metric) {
        Random random = new Random(21);
        int dimension = 12;
        int k = 17;
        float[][] points = new float[1_000][];
        for (int i = 0; i < points.length; i++) {
            float[] v = gaussian(random, dimension);
            points[i] = metric == Metric.COSINE ? Similarity.normalized(v) : v;
        }
        float[] centroids = new float[k * dimension];
        for (int c = 0; c < k; c++) {
            float[] v = gaussian(random, dimension);
            // Under dot, centroids of varied length: the longest is not always the answer.
            float[] row = metric == Metric.COSINE ? Similarity.normalized(v) : v;
            System.arraycopy(row, 0, centroids, c * dimension, dimension);
        }
        int[] assignment = new int[points.length];
        Arrays.fill(assignment, -1);
        assertEquals(points.length, KMeans.assign(points, centroids, k, metric, assignment), "every point moved from -1");
        Set<Integer> distinct = new HashSet<>();
        for (int i = 0; i < points.length; i++) {
            int nearest = KMeans.nearest(points[i], centroids, k, metric);
            assertSameOrTied(metric, points[i], centroids, nearest, assignment[i], "point " + i);
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                best = Math.max(best, score(metric, points[i], Arrays.copyOfRange(centroids, c * dimension, (c + 1) * dimension)));
            }
            double chosen = score(metric, points[i], Arrays.copyOfRange(centroids, nearest * dimension, (nearest + 1) * dimension));
            // Within float rounding of the best: a near-tie may go either way, nothing worse may win.
            assertEquals(best, chosen, 1e-4 * Math.max(1, Math.abs(best)), "point " + i);
            distinct.add(nearest);
        }
        assertTrue(distinct.size() > k / 2, "the data should spread over the centroids, not " + distinct.size());
        assertEquals(0, KMeans.assign(points, centroids, k, metric, assignment), "nothing moves the second time");

        // Moving one centroid onto a point moves exactly the points whose nearest changed.
        int[] before = assignment.clone();
        float[] target = points[0];
        System.arraycopy(target, 0, centroids, 5 * dimension, dimension);
        int moved = KMeans.assign(points, centroids, k, metric, assignment);
        int changed = 0;
        for (int i = 0; i < points.length; i++) {
            assertSameOrTied(metric, points[i], centroids, KMeans.nearest(points[i], centroids, k, metric), assignment[i],
                    "point " + i + " after the move");
            if (before[i] != assignment[i]) {
                changed++;
            }
        }
        assertEquals(changed, moved);
        assertTrue(moved > 0, "moving a centroid onto a point moved nothing");
    }

    /**
     * {@code assign} and {@code nearest} chose the same centroid, or two whose scores tie within float
     * rounding (the Vector API's lane reduction order is unspecified, so a kernel may round differently
     * once compiled).
     */
    private static void assertSameOrTied(final Metric metric, final float[] point, final float[] centroids,
                                         final int nearest, final int assigned, final String what) {
        if (nearest != assigned) {
            int dimension = point.length;
            double a = score(metric, point, Arrays.copyOfRange(centroids, nearest * dimension, (nearest + 1) * dimension));
            double b = score(metric, point, Arrays.copyOfRange(centroids, assigned * dimension, (assigned + 1) * dimension));
            assertEquals(a, b, 1e-5 * Math.max(1, Math.abs(a)), what + ": nearest " + nearest + ", assigned " + assigned);
        }
    }

    @Test
    void nearestLooksOnlyAtTheFirstKCentroids() {
        float[] centroids = {0, 0, 10, 10, 20, 20};
        assertEquals(2, KMeans.nearest(new float[] {19, 19}, centroids, 3, Metric.L2));
        assertEquals(1, KMeans.nearest(new float[] {19, 19}, centroids, 2, Metric.L2));
        assertEquals(0, KMeans.nearest(new float[] {19, 19}, centroids, 1, Metric.L2));
        // Under dot the higher inner product wins, not the nearer point.
        assertEquals(1, KMeans.nearest(new float[] {1, 0}, new float[] {1, 0, 5, 5}, 2, Metric.DOT));
        assertEquals(0, KMeans.nearest(new float[] {1, 0}, new float[] {1, 0, 5, 5}, 2, Metric.L2));
    }

    @Test
    void stoppingBeforeTheFirstIterationReturnsTheSeedsWhichAreDistinctPoints() {
        Random random = new Random(8);
        float[][] points = new float[200][];
        for (int i = 0; i < points.length; i++) {
            points[i] = gaussian(random, 6);
        }
        KMeans.Centroids stopped = KMeans.train(points, 8, Metric.L2, 50, 77, () -> true);
        Set<String> pointSet = new HashSet<>();
        for (float[] p : points) {
            pointSet.add(Arrays.toString(p));
        }
        Set<String> seeds = new HashSet<>();
        for (int c = 0; c < stopped.k(); c++) {
            String row = Arrays.toString(stopped.row(c));
            assertTrue(pointSet.contains(row), "seed " + c + " is an input point");
            seeds.add(row);
        }
        assertEquals(8, seeds.size(), "k-means++ never picks a point twice");
        assertArrayEquals(stopped.data(), KMeans.train(points, 8, Metric.L2, 0, 77).data(),
                "stopping at once is zero iterations");
        assertFalse(Arrays.equals(stopped.data(), KMeans.train(points, 8, Metric.L2, 50, 77).data()),
                "running on moves the centroids");
        // Within rounding: the kernels may round differently once compiled (see assertSameOrTied).
        assertArrayEquals(KMeans.train(points, 8, Metric.L2, 50, 77).data(), KMeans.train(points, 8, Metric.L2, 50, 77).data(),
                1e-4f, "the same seed trains the same centroids");
    }

    @Test
    void stoppingAfterOneIterationReturnsOneLloydStepFromTheSeeds() {
        Random random = new Random(9);
        int dimension = 5;
        float[][] points = new float[400][];
        for (int i = 0; i < points.length; i++) {
            points[i] = gaussian(random, dimension);
        }
        int k = 7;
        float[] seeds = KMeans.train(points, k, Metric.L2, 50, 13, () -> true).data();
        AtomicInteger asked = new AtomicInteger();
        KMeans.Centroids oneStep = KMeans.train(points, k, Metric.L2, 50, 13, () -> asked.getAndIncrement() >= 1);
        assertEquals(2, asked.get(), "asked before the first iteration and before the second");

        // One Lloyd step by hand: every point to its nearest seed, each seed to the mean of its points.
        int[] labels = new int[points.length];
        for (int i = 0; i < points.length; i++) {
            int best = 0;
            for (int c = 1; c < k; c++) {
                float[] seed = Arrays.copyOfRange(seeds, c * dimension, (c + 1) * dimension);
                float[] current = Arrays.copyOfRange(seeds, best * dimension, (best + 1) * dimension);
                if (distance(points[i], seed) < distance(points[i], current)) {
                    best = c;
                }
            }
            labels[i] = best;
        }
        for (int c = 0; c < k; c++) {
            assertClose(mean(points, labels, c, Metric.L2), oneStep.row(c), 1e-4, "centroid " + c + " after one step");
        }
        assertFalse(Arrays.equals(seeds, oneStep.data()), "the step moved the seeds");
    }

    @Test
    void trainsOnItsOwnDaemonPoolNotTheCommonPool() {
        float[][] points = {{0, 0}, {1, 1}, {5, 5}, {6, 6}};
        Set<String> threads = new HashSet<>();
        Set<Boolean> daemons = new HashSet<>();
        KMeans.train(points, 2, Metric.L2, 3, 1, () -> {
            threads.add(Thread.currentThread().getName());
            daemons.add(Thread.currentThread().isDaemon());
            return false;
        });
        assertFalse(threads.isEmpty());
        for (String name : threads) {
            assertTrue(name.startsWith("vectorstream-kmeans-"), "ran on " + name);
        }
        assertEquals(Set.of(true), daemons);
    }

    @Test
    void rejectsNoPointsAndNonPositiveK() {
        assertThrows(IllegalArgumentException.class, () -> KMeans.train(new float[0][], 3, Metric.L2, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> KMeans.train(new float[][] {{1, 2}}, 0, Metric.L2, 5, 1));
    }
}
