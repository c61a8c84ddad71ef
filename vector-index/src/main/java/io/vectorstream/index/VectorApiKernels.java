package io.vectorstream.index;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API: the widest float lanes the CPU has (8 with AVX2, 16 with
 * AVX-512), two accumulators to hide the latency of fused multiply-adds, a scalar tail.
 */
final class VectorApiKernels implements Kernels {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    @Override
    public float dot(final float[] a, final float[] b, final int offset) {
        int n = a.length;
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = n - 2 * LANES; i <= bound; i += 2 * LANES) {
            acc0 = FloatVector.fromArray(SPECIES, a, i).fma(FloatVector.fromArray(SPECIES, b, offset + i), acc0);
            acc1 = FloatVector.fromArray(SPECIES, a, i + LANES)
                    .fma(FloatVector.fromArray(SPECIES, b, offset + i + LANES), acc1);
        }
        for (int bound = n - LANES; i <= bound; i += LANES) {
            acc0 = FloatVector.fromArray(SPECIES, a, i).fma(FloatVector.fromArray(SPECIES, b, offset + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[i] * b[offset + i];
        }
        return sum;
    }

    @Override
    public float squaredDistance(final float[] a, final float[] b, final int offset) {
        int n = a.length;
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = n - 2 * LANES; i <= bound; i += 2 * LANES) {
            FloatVector d0 = FloatVector.fromArray(SPECIES, a, i).sub(FloatVector.fromArray(SPECIES, b, offset + i));
            FloatVector d1 = FloatVector.fromArray(SPECIES, a, i + LANES)
                    .sub(FloatVector.fromArray(SPECIES, b, offset + i + LANES));
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
        }
        for (int bound = n - LANES; i <= bound; i += LANES) {
            FloatVector d = FloatVector.fromArray(SPECIES, a, i).sub(FloatVector.fromArray(SPECIES, b, offset + i));
            acc0 = d.fma(d, acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d = a[i] - b[offset + i];
            sum += d * d;
        }
        return sum;
    }

    @Override
    public void dot4(final float[] a, final float[] b0, final int o0, final float[] b1, final int o1, final float[] b2,
                     final int o2, final float[] b3, final int o3, final float[] out) {
        int n = a.length;
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = n - LANES; i <= bound; i += LANES) {
            FloatVector q = FloatVector.fromArray(SPECIES, a, i);
            acc0 = q.fma(FloatVector.fromArray(SPECIES, b0, o0 + i), acc0);
            acc1 = q.fma(FloatVector.fromArray(SPECIES, b1, o1 + i), acc1);
            acc2 = q.fma(FloatVector.fromArray(SPECIES, b2, o2 + i), acc2);
            acc3 = q.fma(FloatVector.fromArray(SPECIES, b3, o3 + i), acc3);
        }
        float s0 = acc0.reduceLanes(VectorOperators.ADD);
        float s1 = acc1.reduceLanes(VectorOperators.ADD);
        float s2 = acc2.reduceLanes(VectorOperators.ADD);
        float s3 = acc3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s0 += a[i] * b0[o0 + i];
            s1 += a[i] * b1[o1 + i];
            s2 += a[i] * b2[o2 + i];
            s3 += a[i] * b3[o3 + i];
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    @Override
    public void squaredDistance4(final float[] a, final float[] b0, final int o0, final float[] b1, final int o1,
                                 final float[] b2, final int o2, final float[] b3, final int o3, final float[] out) {
        int n = a.length;
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = n - LANES; i <= bound; i += LANES) {
            FloatVector q = FloatVector.fromArray(SPECIES, a, i);
            FloatVector d0 = q.sub(FloatVector.fromArray(SPECIES, b0, o0 + i));
            FloatVector d1 = q.sub(FloatVector.fromArray(SPECIES, b1, o1 + i));
            FloatVector d2 = q.sub(FloatVector.fromArray(SPECIES, b2, o2 + i));
            FloatVector d3 = q.sub(FloatVector.fromArray(SPECIES, b3, o3 + i));
            acc0 = d0.fma(d0, acc0);
            acc1 = d1.fma(d1, acc1);
            acc2 = d2.fma(d2, acc2);
            acc3 = d3.fma(d3, acc3);
        }
        float s0 = acc0.reduceLanes(VectorOperators.ADD);
        float s1 = acc1.reduceLanes(VectorOperators.ADD);
        float s2 = acc2.reduceLanes(VectorOperators.ADD);
        float s3 = acc3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d0 = a[i] - b0[o0 + i];
            float d1 = a[i] - b1[o1 + i];
            float d2 = a[i] - b2[o2 + i];
            float d3 = a[i] - b3[o3 + i];
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    /** Bytes with as many lanes as {@link #SPECIES} has floats, widened to floats lane by lane. */
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(LANES * Byte.SIZE));

    @Override
    public float dotBytes(final float[] a, final byte[] codes, final int offset) {
        int n = a.length;
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = n - 2 * LANES; i <= bound; i += 2 * LANES) {
            FloatVector c0 = (FloatVector) ByteVector.fromArray(BYTES, codes, offset + i)
                    .convertShape(VectorOperators.B2F, SPECIES, 0);
            FloatVector c1 = (FloatVector) ByteVector.fromArray(BYTES, codes, offset + i + LANES)
                    .convertShape(VectorOperators.B2F, SPECIES, 0);
            acc0 = FloatVector.fromArray(SPECIES, a, i).fma(c0, acc0);
            acc1 = FloatVector.fromArray(SPECIES, a, i + LANES).fma(c1, acc1);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[i] * codes[offset + i];
        }
        return sum;
    }

    @Override
    public void dotBytes4(final float[] a, final byte[] c0, final int o0, final byte[] c1, final int o1,
                          final byte[] c2, final int o2, final byte[] c3, final int o3, final float[] out) {
        int n = a.length;
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = n - LANES; i <= bound; i += LANES) {
            FloatVector q = FloatVector.fromArray(SPECIES, a, i);
            acc0 = q.fma(widen(c0, o0 + i), acc0);
            acc1 = q.fma(widen(c1, o1 + i), acc1);
            acc2 = q.fma(widen(c2, o2 + i), acc2);
            acc3 = q.fma(widen(c3, o3 + i), acc3);
        }
        float s0 = acc0.reduceLanes(VectorOperators.ADD);
        float s1 = acc1.reduceLanes(VectorOperators.ADD);
        float s2 = acc2.reduceLanes(VectorOperators.ADD);
        float s3 = acc3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s0 += a[i] * c0[o0 + i];
            s1 += a[i] * c1[o1 + i];
            s2 += a[i] * c2[o2 + i];
            s3 += a[i] * c3[o3 + i];
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    /** Ints with as many lanes as {@link #SPECIES} has floats. */
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, SPECIES.vectorShape());

    @Override
    public float maxAbs(final float[] v) {
        FloatVector largest = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = v.length - LANES; i <= bound; i += LANES) {
            largest = largest.max(FloatVector.fromArray(SPECIES, v, i).abs());
        }
        float max = largest.reduceLanes(VectorOperators.MAX);
        for (; i < v.length; i++) {
            max = Math.max(max, Math.abs(v[i]));
        }
        return max;
    }

    @Override
    public float quantize(final float[] v, final float inverse, final float scale, final byte[] codes,
                          final int offset) {
        FloatVector lost = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = v.length - LANES; i <= bound; i += LANES) {
            FloatVector x = FloatVector.fromArray(SPECIES, v, i);
            FloatVector y = x.mul(inverse);
            FloatVector half = FloatVector.broadcast(SPECIES, 0.5f).blend(-0.5f, y.lt(0f));
            IntVector code = ((IntVector) y.add(half).convertShape(VectorOperators.F2I, INTS, 0)).max(-127).min(127);
            ((ByteVector) code.convertShape(VectorOperators.I2B, BYTES, 0)).intoArray(codes, offset + i);
            FloatVector decoded = ((FloatVector) code.convertShape(VectorOperators.I2F, SPECIES, 0)).mul(scale);
            FloatVector d = x.sub(decoded);
            lost = d.fma(d, lost);
        }
        float sum = lost.reduceLanes(VectorOperators.ADD);
        for (; i < v.length; i++) {
            sum += ScalarKernels.lostByCode(v[i], inverse, scale, codes, offset + i);
        }
        return sum;
    }

    @Override
    public void encodeSteps(final float[] v, final float[] base, final float[] inverseStep, final byte[] codes,
                            final int offset) {
        int i = 0;
        for (int bound = v.length - LANES; i <= bound; i += LANES) {
            FloatVector y = FloatVector.fromArray(SPECIES, v, i).sub(FloatVector.fromArray(SPECIES, base, i))
                    .mul(FloatVector.fromArray(SPECIES, inverseStep, i));
            // Clamped first, then moved up by 128.5: the conversion's truncation of a positive value
            // is then Math.round's floor(y + 0.5), and 128 back gives the code.
            FloatVector shifted = y.max(-128f).min(127f).add(128.5f);
            IntVector code = ((IntVector) shifted.convertShape(VectorOperators.F2I, INTS, 0)).sub(128);
            ((ByteVector) code.convertShape(VectorOperators.I2B, BYTES, 0)).intoArray(codes, offset + i);
        }
        for (; i < v.length; i++) {
            codes[offset + i] = ScalarKernels.codeOfStep(v[i], base[i], inverseStep[i]);
        }
    }

    private static FloatVector widen(final byte[] codes, final int offset) {
        return (FloatVector) ByteVector.fromArray(BYTES, codes, offset).convertShape(VectorOperators.B2F, SPECIES, 0);
    }

    @Override
    public String name() {
        return "vector-api-" + SPECIES.vectorBitSize() + "bit";
    }
}
