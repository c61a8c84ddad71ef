package io.vectorstream.index;

import java.util.Arrays;

/**
 * 8-bit codes of a {@link SlotStore}'s vectors, slot by slot, in segments beside its float
 * segments: what lets an exact search read a quarter of the bytes and still answer exactly.
 *
 * <p>Each vector is quantised on a scale of its own (its largest |component| / 127, codes in
 * [-127, 127]): no training, nothing that drifts as the data changes, any metric. Beside the codes
 * each slot keeps three floats: the scale, its slack (the length of what the codes lose,
 * {@code |x - x'|} for x' the decoded vector, plus a rounding margin) and the vector's squared
 * length. By Cauchy-Schwarz a score from the codes
 * is then within a known distance of the exact one ({@link Query#bound}), so a scan of the codes
 * knows which vectors can still be among the best and scores only those from their floats
 * ({@link BoundedCandidates}). On all-MiniLM-L6-v2 embeddings the bound is about 0.007 (in cosine)
 * and a search for 10 scores about 14 vectors exactly.
 *
 * <p>The answers are those of scoring every float up to the floats' rounding: among vectors whose
 * exact scores tie (identical vectors), either may be the one returned.
 *
 * <p>Mutated only under the owning index's write lock; segments grow by being replaced whole, so a
 * reader under an optimistic stamp sees the old arrays or the new ones.
 */
final class SlotCodes {

    /** Floats kept per slot: scale, slack, squared length. */
    private static final int FACTS = 3;

    private final int dimension;
    /**
     * Added to every bound, relative to |q| |x|: the float sums of the code score and of the exact
     * score round differently, each by at most about (d / 4) x 2^-24 of that product (four sums of
     * d / 4 terms) in the worst case, far less in practice; twice the sum of both, and at least 1e-4.
     */
    private final float rounding;
    private byte[][] codes = new byte[0][];
    private float[][] facts = new float[0][];
    /** Per slot, how many times it was written or freed: a search tells a rewritten slot by it. */
    private int[][] versions = new int[0][];

    SlotCodes(final int dimension) {
        this.dimension = dimension;
        this.rounding = Math.max(1e-4f, dimension * 0x1p-24f);
    }

    /** Gives segment {@code segment} room for {@code slots} slots, as the store's own segment. */
    void ensureSegment(final int segment, final int slots) {
        if (segment < codes.length) {
            if (codes[segment].length < slots * dimension) {
                byte[][] grownCodes = codes.clone();
                float[][] grownFacts = facts.clone();
                int[][] grownVersions = versions.clone();
                grownCodes[segment] = Arrays.copyOf(codes[segment], slots * dimension);
                grownFacts[segment] = Arrays.copyOf(facts[segment], slots * FACTS);
                grownVersions[segment] = Arrays.copyOf(versions[segment], slots);
                codes = grownCodes;
                facts = grownFacts;
                versions = grownVersions;
            }
            return;
        }
        byte[][] grownCodes = Arrays.copyOf(codes, segment + 1);
        float[][] grownFacts = Arrays.copyOf(facts, segment + 1);
        int[][] grownVersions = Arrays.copyOf(versions, segment + 1);
        grownCodes[segment] = new byte[slots * dimension];
        grownFacts[segment] = new float[slots * FACTS];
        grownVersions[segment] = new int[slots];
        codes = grownCodes;
        facts = grownFacts;
        versions = grownVersions;
    }

    /**
     * Codes {@code vector} into slot {@code inSegment} of segment {@code segment}. The sums run in
     * float lanes ({@link Kernels#quantize}); the slack is made larger by the rounding margin's
     * share, which covers a float sum's error, so that it stays an upper bound.
     */
    void encode(final int segment, final int inSegment, final float[] vector) {
        float largest = Similarity.maxAbs(vector);
        float scale = largest / 127f;
        float inverse = largest == 0 ? 0 : 127f / largest; // a multiply per component, not a divide
        float lost = Similarity.quantize(vector, inverse, scale, codes[segment], inSegment * dimension);
        float squaredLength = Similarity.dot(vector, vector, 0);
        float[] f = facts[segment];
        f[inSegment * FACTS] = scale;
        f[inSegment * FACTS + 1] = (float) (Math.sqrt(lost) * (1 + rounding) + rounding * Math.sqrt(squaredLength));
        f[inSegment * FACTS + 2] = squaredLength;
        versions[segment][inSegment]++;
    }

    /** Marks a slot freed: a search that read it before cannot take it for the same vector. */
    void forget(final int segment, final int inSegment) {
        versions[segment][inSegment]++;
    }

    int version(final int segment, final int inSegment) {
        return versions[segment][inSegment];
    }

    int[] versionSegment(final int segment) {
        return versions[segment];
    }

    byte[] codeSegment(final int segment) {
        return codes[segment];
    }

    float[] factSegment(final int segment) {
        return facts[segment];
    }

    long memoryBytes() {
        long bytes = 0;
        for (int s = 0; s < codes.length; s++) {
            bytes += codes[s].length + (long) facts[s].length * Float.BYTES + (long) versions[s].length * Integer.BYTES;
        }
        return bytes;
    }

    /**
     * A query as the codes score it: internal scores (higher is closer) from the codes, and how
     * far each may be from the exact one.
     */
    Query query(final float[] q, final Metric metric) {
        double squared = 0;
        for (float x : q) {
            squared += (double) x * x;
        }
        return new Query(q, metric, (float) Math.sqrt(squared), (float) squared, rounding);
    }

    /** A query as {@link #query} prepared it. */
    record Query(float[] q, Metric metric, float length, float squaredLength, float rounding) {


        /**
         * The internal score from a code dot product ({@code q . codes}) and the slot's facts at
         * {@code at}: {@code q . x'} for inner products, {@code -(|q|^2 - 2 q . x' + |x|^2)} under l2.
         */
        float score(final float codeDot, final float[] facts, final int at) {
            float dot = codeDot * facts[at * FACTS];
            return metric == Metric.L2 ? -(squaredLength - 2 * dot + facts[at * FACTS + 2]) : dot;
        }

        /**
         * How far {@link #score} may be from the exact internal score: |q . (x - x')| <= |q| |x - x'|,
         * twice that under l2 (whose score holds {@code -2 q . x}), plus a rounding margin (under
         * l2 also relative to the squared lengths, which the exact kernel never forms and this
         * score adds and subtracts).
         */
        float bound(final float[] facts, final int at) {
            float error = length * facts[at * FACTS + 1];
            return metric == Metric.L2 ? 2 * error + rounding * (squaredLength + facts[at * FACTS + 2]) : error;
        }
    }
}
