package io.vectorstream.index;

/**
 * Plain-Java kernels, for JVMs started without {@code --add-modules jdk.incubator.vector}. Four
 * independent accumulators let the CPU keep several multiply-adds in flight.
 */
final class ScalarKernels implements Kernels {

    @Override
    public float dot(final float[] a, final float[] b, final int offset) {
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

    @Override
    public float squaredDistance(final float[] a, final float[] b, final int offset) {
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

    @Override
    public void dotBytes4(final float[] a, final byte[] c0, final int o0, final byte[] c1, final int o1,
                          final byte[] c2, final int o2, final byte[] c3, final int o3, final float[] out) {
        out[0] = dotBytes(a, c0, o0);
        out[1] = dotBytes(a, c1, o1);
        out[2] = dotBytes(a, c2, o2);
        out[3] = dotBytes(a, c3, o3);
    }

    @Override
    public float maxAbs(final float[] v) {
        float largest = 0;
        for (float x : v) {
            largest = Math.max(largest, Math.abs(x));
        }
        return largest;
    }

    @Override
    public float quantize(final float[] v, final float inverse, final float scale, final byte[] codes,
                          final int offset) {
        float lost = 0;
        for (int i = 0; i < v.length; i++) {
            lost += lostByCode(v[i], inverse, scale, codes, offset + i);
        }
        return lost;
    }

    @Override
    public void encodeSteps(final float[] v, final float[] base, final float[] inverseStep, final byte[] codes,
                            final int offset) {
        for (int i = 0; i < v.length; i++) {
            codes[offset + i] = codeOfStep(v[i], base[i], inverseStep[i]);
        }
    }

    /** One component of {@link #encodeSteps}. */
    static byte codeOfStep(final float x, final float base, final float inverseStep) {
        return (byte) Math.max(-128, Math.min(127, Math.round((x - base) * inverseStep)));
    }

    /** One component of {@link #quantize}: writes its code, returns its squared loss. */
    static float lostByCode(final float x, final float inverse, final float scale, final byte[] codes, final int at) {
        float y = x * inverse;
        int code = Math.max(-127, Math.min(127, (int) (y + (y < 0 ? -0.5f : 0.5f))));
        codes[at] = (byte) code;
        float d = x - code * scale;
        return d * d;
    }

    @Override
    public float dotBytes(final float[] a, final byte[] codes, final int offset) {
        int n = a.length;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * codes[offset + i];
            s1 += a[i + 1] * codes[offset + i + 1];
            s2 += a[i + 2] * codes[offset + i + 2];
            s3 += a[i + 3] * codes[offset + i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * codes[offset + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void dot4(final float[] a, final float[] b0, final int o0, final float[] b1, final int o1, final float[] b2,
                     final int o2, final float[] b3, final int o3, final float[] out) {
        out[0] = dot(a, b0, o0);
        out[1] = dot(a, b1, o1);
        out[2] = dot(a, b2, o2);
        out[3] = dot(a, b3, o3);
    }

    @Override
    public void squaredDistance4(final float[] a, final float[] b0, final int o0, final float[] b1, final int o1,
                                 final float[] b2, final int o2, final float[] b3, final int o3, final float[] out) {
        out[0] = squaredDistance(a, b0, o0);
        out[1] = squaredDistance(a, b1, o1);
        out[2] = squaredDistance(a, b2, o2);
        out[3] = squaredDistance(a, b3, o3);
    }

    @Override
    public String name() {
        return "scalar";
    }
}
