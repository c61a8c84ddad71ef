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
     * Inner products of {@code a} with four byte vectors at once, {@code cj[oj .. oj + a.length)}
     * for j = 0..3, into {@code out[0..3]}: the query is read once for all four, four independent
     * sums keep the multiply-add units busy instead of waiting on one chain, and four vectors that
     * lie apart in memory have their cache misses overlap.
     */
    void dotBytes4(float[] a, byte[] c0, int o0, byte[] c1, int o1, byte[] c2, int o2, byte[] c3, int o3, float[] out);

    /**
     * Inner products of {@code a} with four vectors at once, {@code bj[oj .. oj + a.length)}, into
     * {@code out[0..3]}: four vectors that lie apart in memory are read side by side, so that their
     * cache misses overlap instead of coming one after the other (scoring a filter's scattered
     * matches).
     */
    void dot4(float[] a, float[] b0, int o0, float[] b1, int o1, float[] b2, int o2, float[] b3, int o3, float[] out);

    /** Squared Euclidean distances of {@code a} to four vectors at once, as {@link #dot4}. */
    void squaredDistance4(float[] a, float[] b0, int o0, float[] b1, int o1, float[] b2, int o2, float[] b3, int o3,
                          float[] out);

    /** The largest |v[i]|. */
    float maxAbs(float[] v);

    /**
     * Writes each {@code v[i] * inverse}, rounded half away from zero and clamped to [-127, 127],
     * to {@code codes[offset + i]}, and returns what the codes lose, the sum of
     * {@code (v[i] - code * scale)^2}.
     */
    float quantize(float[] v, float inverse, float scale, byte[] codes, int offset);

    /**
     * Writes each {@code (v[i] - base[i]) * inverseStep[i]}, rounded half up ({@link Math#round(float)})
     * and clamped to [-128, 127], to {@code codes[offset + i]}: a vector's 8-bit codes under a
     * quantiser of one range per dimension ({@link ScalarQuantizer}).
     */
    void encodeSteps(float[] v, float[] base, float[] inverseStep, byte[] codes, int offset);

    /** A short name for logs and benchmark reports. */
    String name();
}
