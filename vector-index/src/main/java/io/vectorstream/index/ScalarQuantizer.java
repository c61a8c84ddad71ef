package io.vectorstream.index;

import java.util.Arrays;


/**
 * 8-bit scalar quantisation: each dimension's range, learnt from a sample, is cut into 256 steps,
 * and a vector is stored as one signed byte per dimension ({@code x ~ base[d] + step[d] * b}), a
 * quarter of its float size. Scores against a float query are asymmetric (the query is not
 * quantised): {@code q.x ~ q.base + (q * step).b}, one pass over bytes. Only candidates are scored
 * this way; the final order comes from the exact vectors.
 */
final class ScalarQuantizer {

    private final float[] base;
    private final float[] step;
    /** 1 / step: encoding multiplies (every IVF insert encodes, every training encodes every vector). */
    private final float[] inverseStep;

    private ScalarQuantizer(final float[] base, final float[] step) {
        this.base = base;
        this.step = step;
        this.inverseStep = new float[step.length];
        for (int d = 0; d < step.length; d++) {
            inverseStep[d] = 1f / step[d];
        }
    }

    /** The quantiser with these bases and steps (as {@link #base()} and {@link #step()} gave them). */
    static ScalarQuantizer of(final float[] base, final float[] step) {
        if (base.length != step.length) {
            throw new IllegalArgumentException("base and step differ in length: " + base.length + ", " + step.length);
        }
        return new ScalarQuantizer(base.clone(), step.clone());
    }

    float[] base() {
        return base.clone();
    }

    float[] step() {
        return step.clone();
    }

    /** Learns each dimension's range from {@code sample}. */
    static ScalarQuantizer train(final float[][] sample) {
        int dimension = sample[0].length;
        float[] min = new float[dimension];
        float[] max = new float[dimension];
        Arrays.fill(min, Float.POSITIVE_INFINITY);
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (float[] v : sample) {
            for (int d = 0; d < dimension; d++) {
                min[d] = Math.min(min[d], v[d]);
                max[d] = Math.max(max[d], v[d]);
            }
        }
        float[] base = new float[dimension];
        float[] step = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            step[d] = Math.max((max[d] - min[d]) / 255f, 1e-12f);
            base[d] = min[d] + 128 * step[d]; // codes are stored as code - 128, a signed byte
        }
        return new ScalarQuantizer(base, step);
    }

    /** Writes the codes of {@code v} to {@code out[offset ..]}; values outside the learnt range are clamped. */
    void encode(final float[] v, final byte[] out, final int offset) {
        Similarity.KERNELS.encodeSteps(v, base, inverseStep, out, offset);
    }

    /** A query prepared for {@link #score}: the query scaled by the steps, and its product with the bases. */
    record Query(float[] scaled, float offset, float squaredNorm, Metric metric) {
    }

    /**
     * A query prepared for {@link #score}. A scaled component below the smallest normal float is
     * set to zero: a dimension that is almost constant in the data (all-MiniLM-L6-v2 has one, with
     * values around 1e-35) has a tiny step, its product with the query is subnormal, and every
     * multiply-add reading a subnormal takes a microcode assist on x86: it made each code vector
     * cost 130 ns instead of 20 (docs/benchmarks.md). Its contribution is below 128 * 1.2e-38.
     */
    Query prepare(final float[] q, final Metric metric) {
        float[] scaled = new float[q.length];
        double offset = 0;
        double norm = 0;
        for (int d = 0; d < q.length; d++) {
            float product = q[d] * step[d];
            scaled[d] = Math.abs(product) < Float.MIN_NORMAL ? 0f : product;
            offset += (double) q[d] * base[d];
            norm += (double) q[d] * q[d];
        }
        return new Query(scaled, (float) offset, (float) norm, metric);
    }

    /**
     * The approximate internal score (higher is closer) of the vector coded at {@code codes[offset ..]}.
     *
     * @param squaredNorm the exact squared length of that vector (used under l2 only)
     */
    static float score(final Query query, final byte[] codes, final int offset, final float squaredNorm) {
        return fromDot(query, Similarity.dotBytes(query.scaled(), codes, offset), squaredNorm);
    }

    /**
     * The scores of four consecutive coded vectors, {@code codes[offset + j * dimension ..]}, into
     * {@code out[0..3]}; {@code squaredNorms[normOffset + j]} is read under l2 only.
     */
    static void score4(final Query query, final byte[] codes, final int offset, final float[] squaredNorms,
                       final int normOffset, final float[] out) {
        Similarity.dotBytes4(query.scaled(), codes, offset, query.scaled().length, out);
        for (int j = 0; j < 4; j++) {
            out[j] = fromDot(query, out[j], squaredNorms == null ? 0f : squaredNorms[normOffset + j]);
        }
    }

    /** The approximate internal score from a dot product of the query's scaled form with a vector's codes. */
    static float fromDot(final Query query, final float codeDot, final float squaredNorm) {
        float dot = query.offset() + codeDot;
        return query.metric() == Metric.L2 ? -(query.squaredNorm() - 2 * dot + squaredNorm) : dot;
    }
}
