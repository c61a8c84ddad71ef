package io.vectorstream.index;

import io.vectorstream.schema.Metric;

/**
 * Scoring kernels. Internally every metric is "higher is closer": inner product for cosine (vectors
 * are unit length) and dot, negative squared distance for l2. {@link #toUserScore} turns that into
 * the score a caller sees (cosine similarity, inner product, Euclidean distance).
 *
 * <p>Scalar loops with four independent accumulators, which lets the JIT keep several multiply-adds
 * in flight; the Vector API kernels come with the ANN indexes.
 */
public final class Similarity {

    private Similarity() {
    }

    /** Internal score of {@code query} against the vector stored at {@code data[offset .. offset+dim)}. */
    public static float score(final Metric metric, final float[] query, final float[] data, final int offset) {
        return metric == Metric.L2 ? -squaredDistance(query, data, offset) : dot(query, data, offset);
    }

    /** The score reported to callers for an internal score. */
    public static float toUserScore(final Metric metric, final float internal) {
        return metric == Metric.L2 ? (float) Math.sqrt(Math.max(0f, -internal)) : internal;
    }

    /** Inner product of {@code a} with {@code b[offset .. offset + a.length)}. */
    public static float dot(final float[] a, final float[] b, final int offset) {
        int n = a.length;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * b[offset + i];
            s1 += a[i + 1] * b[offset + i + 1];
            s2 += a[i + 2] * b[offset + i + 2];
            s3 += a[i + 3] * b[offset + i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * b[offset + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Squared Euclidean distance of {@code a} to {@code b[offset .. offset + a.length)}. */
    public static float squaredDistance(final float[] a, final float[] b, final int offset) {
        int n = a.length;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            float d0 = a[i] - b[offset + i];
            float d1 = a[i + 1] - b[offset + i + 1];
            float d2 = a[i + 2] - b[offset + i + 2];
            float d3 = a[i + 3] - b[offset + i + 3];
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; i < n; i++) {
            float d = a[i] - b[offset + i];
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Euclidean norm. */
    public static double norm(final float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    /** A unit-length copy of {@code v}; {@code v} must not be the zero vector. */
    public static float[] normalized(final float[] v) {
        double norm = norm(v);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }
}
