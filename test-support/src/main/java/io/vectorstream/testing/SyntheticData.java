package io.vectorstream.testing;

import java.util.Random;

/**
 * Seeded, clustered, unit-length vectors that behave like sentence embeddings for ANN purposes:
 * every vector shares a common direction (embeddings are anisotropic), belongs to one of
 * {@code clusters} topics whose sizes follow a Zipf-like law, and sits at a random distance from
 * its topic centre. Queries are drawn the same way, so they fall near the data but on no point.
 *
 * <p>A vector is {@code normalise(0.5 * common + centre[c] + spread * noise)}, with centres and noise
 * standard Gaussian scaled to unit expected length, {@code c} drawn with probability proportional to
 * {@code 1 / (rank + 10)}, and {@code spread} uniform in [0.5, 1.2).
 */
public final class SyntheticData {

    private final int dimension;
    private final double spreadLow;
    private final double spreadHigh;
    private final float[] common;
    private final float[][] centres;
    private final double[] cumulative;

    public SyntheticData(final int dimension, final int clusters, final long seed) {
        this(dimension, clusters, 0.5, 1.2, seed);
    }

    /** With the noise scale drawn uniformly from {@code [spreadLow, spreadHigh)}: more is harder. */
    public SyntheticData(final int dimension, final int clusters, final double spreadLow, final double spreadHigh,
                         final long seed) {
        this.dimension = dimension;
        this.spreadLow = spreadLow;
        this.spreadHigh = spreadHigh;
        Random random = new Random(seed);
        this.common = gaussian(random, dimension);
        this.centres = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            centres[c] = gaussian(random, dimension);
        }
        this.cumulative = new double[clusters];
        double total = 0;
        for (int c = 0; c < clusters; c++) {
            total += 1.0 / (c + 10);
            cumulative[c] = total;
        }
        for (int c = 0; c < clusters; c++) {
            cumulative[c] /= total;
        }
    }

    /** The default shape for {@code n} vectors: about sqrt(n) topics. */
    public static SyntheticData forSize(final int n, final int dimension, final long seed) {
        return new SyntheticData(dimension, Math.max(4, (int) Math.sqrt(n)), seed);
    }

    /** {@code n} vectors from the stream seeded by {@code seed}. */
    public float[][] vectors(final int n, final long seed) {
        Random random = new Random(seed);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = next(random);
        }
        return out;
    }

    /** Vectors of topics {@code [fromCluster, toCluster)} only: for runbooks whose distribution moves. */
    public float[][] vectorsOfClusters(final int n, final int fromCluster, final int toCluster, final long seed) {
        Random random = new Random(seed);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = of(fromCluster + random.nextInt(Math.max(1, toCluster - fromCluster)), random);
        }
        return out;
    }

    public int clusters() {
        return centres.length;
    }

    private float[] next(final Random random) {
        double u = random.nextDouble();
        int c = 0;
        while (c < cumulative.length - 1 && cumulative[c] < u) {
            c++;
        }
        return of(c, random);
    }

    private float[] of(final int cluster, final Random random) {
        double spread = spreadLow + (spreadHigh - spreadLow) * random.nextDouble();
        float[] centre = centres[cluster];
        float[] v = new float[dimension];
        double norm = 0;
        double scale = 1 / Math.sqrt(dimension);
        for (int d = 0; d < dimension; d++) {
            v[d] = (float) (0.5 * common[d] + centre[d] + spread * random.nextGaussian() * scale);
            norm += v[d] * v[d];
        }
        norm = Math.sqrt(norm);
        for (int d = 0; d < dimension; d++) {
            v[d] /= (float) norm;
        }
        return v;
    }

    private static float[] gaussian(final Random random, final int dimension) {
        float[] v = new float[dimension];
        double scale = 1 / Math.sqrt(dimension);
        for (int d = 0; d < dimension; d++) {
            v[d] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }
}
