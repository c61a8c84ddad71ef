package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Vector API kernels agree with the plain-Java ones, tails (dimensions not a lane multiple) included. */
class KernelsTest {

    private final Kernels vector = new VectorApiKernels();
    private final Kernels scalar = new ScalarKernels();

    @Test
    void vectorAndScalarKernelsAgree() {
        Random random = new Random(3);
        for (int dimension : new int[] {1, 7, 16, 33, 384, 385}) {
            float[] a = new float[dimension];
            float[] b = new float[3 * dimension];
            byte[] codes = new byte[5 * dimension];
            for (int i = 0; i < dimension; i++) {
                a[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextGaussian();
            }
            random.nextBytes(codes);
            double tolerance = 1e-4 * dimension;
            assertEquals(scalar.dot(a, b, dimension), vector.dot(a, b, dimension), tolerance, "dot " + dimension);
            assertEquals(scalar.squaredDistance(a, b, dimension), vector.squaredDistance(a, b, dimension),
                    tolerance, "squaredDistance " + dimension);
            assertEquals(scalar.dotBytes(a, codes, dimension), vector.dotBytes(a, codes, dimension),
                    tolerance * 128, "dotBytes " + dimension);
            float[] four = new float[4];
            // Quantising: the same codes both ways (rounding half away from zero, clamped), the
            // same loss; a scale that pushes components past 127 is clamped, not wrapped.
            assertEquals(scalar.maxAbs(a), vector.maxAbs(a), 0f, "maxAbs " + dimension);
            for (float inverse : new float[] {127f / Math.max(1e-30f, scalar.maxAbs(a)), 300f, 0f}) {
                byte[] scalarCodes = new byte[dimension + 3];
                byte[] vectorCodes = new byte[dimension + 3];
                float scale = inverse == 0 ? 0 : 1 / inverse;
                float scalarLost = scalar.quantize(a, inverse, scale, scalarCodes, 3);
                float vectorLost = vector.quantize(a, inverse, scale, vectorCodes, 3);
                assertArrayEquals(scalarCodes, vectorCodes, "quantize " + dimension + " x " + inverse);
                assertEquals(scalarLost, vectorLost, 1e-4 * Math.max(1, scalarLost), "lost " + dimension);
                for (int i = 0; i < dimension; i++) {
                    float expected = Math.max(-127, Math.min(127, Math.round(a[i] * inverse)));
                    assertEquals(expected, vectorCodes[3 + i], 1f, "code " + i); // ties may round apart
                }
            }
            // Codes under a range per dimension: the same both ways and as the formula gives them,
            // ties (exact halves) and values past either end included.
            float[] base = new float[dimension];
            float[] inverseStep = new float[dimension];
            float[] x = new float[dimension];
            for (int i = 0; i < dimension; i++) {
                base[i] = (float) random.nextGaussian() * 0.1f;
                inverseStep[i] = i % 5 == 0 ? 1f : 40f + random.nextFloat() * 100f;
                x[i] = switch (i % 5) {
                    case 0 -> base[i] + (i % 3 == 0 ? 2.5f : -3.5f); // an exact half at step 1
                    case 1 -> base[i] + 10f; // far past 127
                    case 2 -> base[i] - 10f; // far below -128
                    default -> a[i];
                };
            }
            byte[] scalarSteps = new byte[dimension + 2];
            byte[] vectorSteps = new byte[dimension + 2];
            scalar.encodeSteps(x, base, inverseStep, scalarSteps, 2);
            vector.encodeSteps(x, base, inverseStep, vectorSteps, 2);
            assertArrayEquals(scalarSteps, vectorSteps, "encodeSteps " + dimension);
            for (int i = 0; i < dimension; i++) {
                int expected = Math.max(-128, Math.min(127, Math.round((x[i] - base[i]) * inverseStep[i])));
                assertEquals(expected, vectorSteps[2 + i], "encodeSteps code " + i + " of " + dimension);
            }
            // Four code vectors in two arrays, at offsets in any order, overlapping too.
            byte[] otherCodes = codes.clone();
            int[] at = {3 * dimension, dimension, 1, 4 * dimension};
            for (Kernels kernels : new Kernels[] {vector, scalar}) {
                kernels.dotBytes4(a, codes, at[0], otherCodes, at[1], codes, at[2], otherCodes, at[3], four);
                for (int j = 0; j < 4; j++) {
                    assertEquals(scalar.dotBytes(a, codes, at[j]), four[j], tolerance * 128,
                            kernels.name() + " dotBytes4[" + j + "] " + dimension);
                }
            }
            // Four vectors apart, in two arrays, at offsets in any order.
            float[] other = b.clone();
            int[] offsets = {2 * dimension, 0, dimension, 1};
            for (Kernels kernels : new Kernels[] {vector, scalar}) {
                kernels.dot4(a, b, offsets[0], other, offsets[1], b, offsets[2], other, offsets[3], four);
                float[] distances = new float[4];
                kernels.squaredDistance4(a, b, offsets[0], other, offsets[1], b, offsets[2], other, offsets[3],
                        distances);
                for (int j = 0; j < 4; j++) {
                    assertEquals(scalar.dot(a, b, offsets[j]), four[j], tolerance, kernels.name() + " dot4 " + j);
                    assertEquals(scalar.squaredDistance(a, b, offsets[j]), distances[j], tolerance,
                            kernels.name() + " squaredDistance4 " + j);
                }
            }
        }
    }
}
