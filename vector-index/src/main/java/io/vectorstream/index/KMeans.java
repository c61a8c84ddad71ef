package io.vectorstream.index;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * k-means for the coarse quantiser of IVF: k-means++ seeding, then Lloyd iterations, on a sample.
 * Points are assigned by the index's own metric (nearest in l2, highest inner product for dot and
 * cosine); under cosine the centroids are kept unit length (spherical k-means). Assignment, the
 * expensive step, runs on all cores: on a pool of its own ({@link #POOL}), never the JVM's common
 * pool, which every parallel stream of the process shares.
 */
final class KMeans {

    /**
     * The threads k-means runs on, one per core: a parallel stream started inside a task of this
     * pool runs on this pool. Daemon threads, named, started when first needed.
     */
    private static final ForkJoinPool POOL = new ForkJoinPool(
            Runtime.getRuntime().availableProcessors(), pool -> {
                ForkJoinWorkerThread thread =
                        ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                thread.setName("vectorstream-kmeans-" + thread.getPoolIndex());
                thread.setDaemon(true);
                return thread;
            }, null, false);

    private KMeans() {
    }

    /** Runs {@code work} on {@link #POOL} (in place when already there) and waits for it. */
    private static <T> T onPool(final Supplier<T> work) {
        if (ForkJoinTask.getPool() == POOL) {
            return work.get();
        }
        return POOL.submit(work::get).join();
    }

    /** The result: {@code k} centroids, row after row. */
    record Centroids(float[] data, int k, int dimension) {
        float[] row(final int i) {
            return Arrays.copyOfRange(data, i * dimension, (i + 1) * dimension);
        }
    }

    /**
     * Trains {@code k} centroids on {@code points} (all of them; sample before calling).
     *
     * @param maxIterations Lloyd iterations at most; it stops earlier once almost no point moves
     */
    static Centroids train(final float[][] points, final int k, final Metric metric, final int maxIterations,
                           final long seed) {
        return train(points, k, metric, maxIterations, seed, () -> false);
    }

    /** @param stop whether to stop before the next iteration (its centroids so far are returned) */
    static Centroids train(final float[][] points, final int k, final Metric metric, final int maxIterations,
                           final long seed, final BooleanSupplier stop) {
        return onPool(() -> trainHere(points, k, metric, maxIterations, seed, stop));
    }

    private static Centroids trainHere(final float[][] points, final int k, final Metric metric,
                                       final int maxIterations, final long seed,
                                       final BooleanSupplier stop) {
        if (points.length == 0 || k <= 0) {
            throw new IllegalArgumentException("k-means needs points and k > 0");
        }
        int dimension = points[0].length;
        int clusters = Math.min(k, points.length);
        Random random = new Random(seed);
        float[] centroids = seedPlusPlus(points, clusters, random);
        int[] assignment = new int[points.length];
        Arrays.fill(assignment, -1);
        for (int iteration = 0; iteration < maxIterations && !stop.getAsBoolean(); iteration++) {
            int moved = assignHere(points, centroids, clusters, metric, assignment);
            update(points, assignment, centroids, clusters, metric, random);
            if (moved <= points.length / 1000) {
                break;
            }
        }
        return new Centroids(centroids, clusters, dimension);
    }

    /** The index of the centroid {@code v} belongs to under {@code metric}. */
    static int nearest(final float[] v, final float[] centroids, final int k, final Metric metric) {
        int dimension = v.length;
        int best = 0;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            float score = Similarity.score(metric, v, centroids, c * dimension);
            if (score > bestScore) {
                bestScore = score;
                best = c;
            }
        }
        return best;
    }

    /** Points assigned together: each centroid is read once per block, from cache, not once per point. */
    private static final int POINT_BLOCK = 16;

    /**
     * Assigns every point (blocks of points in parallel); returns how many changed cluster. For a
     * block of {@value #POINT_BLOCK} points, the loop runs over centroids outside and points inside, so
     * a centroid (1.5 KB at 384 dimensions) is fetched from memory once per block: assigning point
     * by point would stream all k centroids (2.4 MB at k = 1,600) through the cache for every point,
     * which makes the assignment memory-bound.
     */
    static int assign(final float[][] points, final float[] centroids, final int k, final Metric metric,
                      final int[] assignment) {
        return onPool(() -> assignHere(points, centroids, k, metric, assignment));
    }

    private static int assignHere(final float[][] points, final float[] centroids, final int k, final Metric metric,
                                  final int[] assignment) {
        int blocks = (points.length + POINT_BLOCK - 1) / POINT_BLOCK;
        return IntStream.range(0, blocks).parallel().map(block -> {
            int from = block * POINT_BLOCK;
            int to = Math.min(from + POINT_BLOCK, points.length);
            int dimension = points[from].length;
            int[] best = new int[to - from];
            float[] bestScore = new float[to - from];
            Arrays.fill(bestScore, Float.NEGATIVE_INFINITY);
            for (int c = 0; c < k; c++) {
                int offset = c * dimension;
                for (int p = from; p < to; p++) {
                    float score = Similarity.score(metric, points[p], centroids, offset);
                    if (score > bestScore[p - from]) {
                        bestScore[p - from] = score;
                        best[p - from] = c;
                    }
                }
            }
            int moved = 0;
            for (int p = from; p < to; p++) {
                if (assignment[p] != best[p - from]) {
                    moved++;
                    assignment[p] = best[p - from];
                }
            }
            return moved;
        }).sum();
    }

    private static float[] seedPlusPlus(final float[][] points, final int k, final Random random) {
        int dimension = points[0].length;
        float[] centroids = new float[k * dimension];
        double[] distance = new double[points.length];
        Arrays.fill(distance, Double.MAX_VALUE);
        int first = random.nextInt(points.length);
        System.arraycopy(points[first], 0, centroids, 0, dimension);
        for (int c = 1; c < k; c++) {
            final int previous = c - 1;
            double total = IntStream.range(0, points.length).parallel().mapToDouble(i -> {
                double d = Similarity.squaredDistance(points[i], centroids, previous * dimension);
                if (d < distance[i]) {
                    distance[i] = d;
                }
                return distance[i];
            }).sum();
            int chosen;
            if (total <= 0) {
                chosen = random.nextInt(points.length); // all points coincide with centroids
            } else {
                double target = random.nextDouble() * total;
                chosen = points.length - 1;
                double cumulative = 0;
                for (int i = 0; i < points.length; i++) {
                    cumulative += distance[i];
                    if (cumulative >= target) {
                        chosen = i;
                        break;
                    }
                }
            }
            System.arraycopy(points[chosen], 0, centroids, c * dimension, dimension);
        }
        return centroids;
    }

    /** Moves each centroid to the mean of its points; an empty cluster takes a point of the largest. */
    private static void update(final float[][] points, final int[] assignment, final float[] centroids, final int k,
                               final Metric metric, final Random random) {
        int dimension = points[0].length;
        double[] sums = new double[k * dimension];
        int[] counts = new int[k];
        for (int i = 0; i < points.length; i++) {
            int c = assignment[i];
            counts[c]++;
            float[] p = points[i];
            int base = c * dimension;
            for (int d = 0; d < dimension; d++) {
                sums[base + d] += p[d];
            }
        }
        for (int c = 0; c < k; c++) {
            int base = c * dimension;
            if (counts[c] == 0) {
                int largest = 0;
                for (int j = 1; j < k; j++) {
                    if (counts[j] > counts[largest]) {
                        largest = j;
                    }
                }
                // Split the largest cluster: restart this centroid at one of its points.
                int pick = random.nextInt(points.length);
                for (int tries = 0; tries < 64 && assignment[pick] != largest; tries++) {
                    pick = random.nextInt(points.length);
                }
                System.arraycopy(points[pick], 0, centroids, base, dimension);
                continue;
            }
            for (int d = 0; d < dimension; d++) {
                centroids[base + d] = (float) (sums[base + d] / counts[c]);
            }
            if (metric == Metric.COSINE) {
                double norm = 0;
                for (int d = 0; d < dimension; d++) {
                    norm += centroids[base + d] * centroids[base + d];
                }
                norm = Math.sqrt(norm);
                if (norm > 0) {
                    for (int d = 0; d < dimension; d++) {
                        centroids[base + d] /= (float) norm;
                    }
                }
            }
        }
    }
}
