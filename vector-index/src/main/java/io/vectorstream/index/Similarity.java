package io.vectorstream.index;


/**
 * Scoring kernels. Internally every metric is "higher is closer": inner product for cosine (vectors
 * are unit length) and dot, negative squared distance for l2. {@link #toUserScore} turns that into
 * the score a caller sees (cosine similarity, inner product, Euclidean distance).
 *
 * <p>The kernels run on the JDK Vector API when the JVM was started with
 * {@code --add-modules jdk.incubator.vector} (bin/vectorstream and the tests do), else in plain
 * Java; {@code -Dvectorstream.kernels=scalar} forces the latter.
 */
public final class Similarity {

    static final Kernels KERNELS = chooseKernels();

    private Similarity() {
    }

    private static Kernels chooseKernels() {
        if ("scalar".equals(System.getProperty("vectorstream.kernels"))) {
            return new ScalarKernels();
        }
        try {
            Kernels simd = new VectorApiKernels();
            simd.dot(new float[] {1f}, new float[] {1f}, 0); // fails here without the module
            return simd;
        } catch (LinkageError noVectorModule) {
            return new ScalarKernels();
        }
    }

    /** Internal score of {@code query} against the vector stored at {@code data[offset .. offset+dim)}. */
    public static float score(final Metric metric, final float[] query, final float[] data, final int offset) {
        return metric == Metric.L2 ? -squaredDistance(query, data, offset) : dot(query, data, offset);
    }

    /**
     * Internal scores of {@code query} against four stored vectors at once ({@link Kernels#dot4}),
     * into {@code out[0..3]}.
     */
    static void score4(final Metric metric, final float[] query, final float[] b0, final int o0, final float[] b1,
                       final int o1, final float[] b2, final int o2, final float[] b3, final int o3, final float[] out) {
        if (metric == Metric.L2) {
            KERNELS.squaredDistance4(query, b0, o0, b1, o1, b2, o2, b3, o3, out);
            for (int j = 0; j < 4; j++) {
                out[j] = -out[j];
            }
        } else {
            KERNELS.dot4(query, b0, o0, b1, o1, b2, o2, b3, o3, out);
        }
    }

    /** The score reported to callers for an internal score. */
    public static float toUserScore(final Metric metric, final float internal) {
        return metric == Metric.L2 ? (float) Math.sqrt(Math.max(0f, -internal)) : internal;
    }

    /** Inner product of {@code a} with {@code b[offset .. offset + a.length)}. */
    public static float dot(final float[] a, final float[] b, final int offset) {
        return KERNELS.dot(a, b, offset);
    }

    /** Squared Euclidean distance of {@code a} to {@code b[offset .. offset + a.length)}. */
    public static float squaredDistance(final float[] a, final float[] b, final int offset) {
        return KERNELS.squaredDistance(a, b, offset);
    }

    /** Inner product of {@code a} with the signed bytes {@code codes[offset .. offset + a.length)}. */
    public static float dotBytes(final float[] a, final byte[] codes, final int offset) {
        return KERNELS.dotBytes(a, codes, offset);
    }

    /** {@link Kernels#dotBytes4}: four byte vectors {@code stride} apart, against one query. */
    public static void dotBytes4(final float[] a, final byte[] codes, final int offset, final int stride,
                                 final float[] out) {
        KERNELS.dotBytes4(a, codes, offset, codes, offset + stride, codes, offset + 2 * stride, codes,
                offset + 3 * stride, out);
    }

    /** {@link Kernels#dotBytes4}: four byte vectors anywhere, against one query. */
    static void dotBytes4(final float[] a, final byte[] c0, final int o0, final byte[] c1, final int o1,
                          final byte[] c2, final int o2, final byte[] c3, final int o3, final float[] out) {
        KERNELS.dotBytes4(a, c0, o0, c1, o1, c2, o2, c3, o3, out);
    }

    /** {@link Kernels#maxAbs}. */
    static float maxAbs(final float[] v) {
        return KERNELS.maxAbs(v);
    }

    /** {@link Kernels#quantize}. */
    static float quantize(final float[] v, final float inverse, final float scale, final byte[] codes,
                          final int offset) {
        return KERNELS.quantize(v, inverse, scale, codes, offset);
    }

    /** The name of the kernels in use ({@code vector-api-256bit}, {@code scalar}). */
    public static String kernelName() {
        return KERNELS.name();
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
        return scaledToUnit(v, norm(v), new float[v.length]);
    }

    /** {@code v / norm} into {@code out} (which may be {@code v}), and {@code out}. */
    public static float[] scaledToUnit(final float[] v, final double norm, final float[] out) {
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }
}
