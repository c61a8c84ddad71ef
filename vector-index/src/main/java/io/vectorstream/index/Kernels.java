package io.vectorstream.index;

/**
 * The distance kernels every index scores with: one implementation on the JDK Vector API, one in
 * plain Java, chosen once at start-up ({@link Similarity#KERNELS}).
 */
interface Kernels {

    /** Inner product of {@code a} with {@code b[offset .. offset + a.length)}. */
    float dot(float[] a, float[] b, int offset);

    /** Squared Euclidean distance of {@code a} to {@code b[offset .. offset + a.length)}. */
    float squaredDistance(float[] a, float[] b, int offset);

    /** Inner product of {@code a} with the signed bytes {@code codes[offset .. offset + a.length)}. */
    float dotBytes(float[] a, byte[] codes, int offset);

    /**
     * Inner products of {@code a} with four byte vectors at once, {@code codes[offset + j * stride ..]}
     * for j = 0..3, into {@code out[0..3]}: the query is read once for all four, and four
     * independent sums keep the multiply-add units busy instead of waiting on one chain.
     */
    void dotBytes4(float[] a, byte[] codes, int offset, int stride, float[] out);

    /** A short name for logs and benchmark reports. */
    String name();
}
