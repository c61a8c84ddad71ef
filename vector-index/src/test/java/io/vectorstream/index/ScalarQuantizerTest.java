package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ScalarQuantizerTest {

    private static final int DIMENSION = 32;

    /** Unit vectors whose dimension 7 is almost constant and tiny, like a dead dimension of a real model. */
    private static float[][] sampleWithADeadDimension(final Random random, final int count) {
        float[][] sample = new float[count][DIMENSION];
        for (float[] v : sample) {
            double norm = 0;
            for (int d = 0; d < DIMENSION; d++) {
                v[d] = (float) random.nextGaussian();
                norm += v[d] * v[d];
            }
            for (int d = 0; d < DIMENSION; d++) {
                v[d] /= (float) Math.sqrt(norm);
            }
            v[7] = (float) (1e-30 * (1 + random.nextDouble()));
        }
        return sample;
    }

    @Test
    void scoresApproximateTheExactDotProduct() {
        Random random = new Random(5);
        float[][] sample = sampleWithADeadDimension(random, 500);
        ScalarQuantizer quantizer = ScalarQuantizer.train(sample);
        byte[] codes = new byte[DIMENSION];
        for (int i = 0; i < 50; i++) {
            float[] q = sample[random.nextInt(sample.length)];
            float[] x = sample[random.nextInt(sample.length)];
            quantizer.encode(x, codes, 0);
            float approximate = ScalarQuantizer.score(quantizer.prepare(q, Metric.DOT), codes, 0, 0f);
            assertEquals(Similarity.dot(q, x, 0), approximate, 0.02, "vector pair " + i);
        }
    }

    @Test
    void aPreparedQueryHasNoSubnormalComponentsEvenWhereTheDataIsAlmostConstant() {
        Random random = new Random(6);
        float[][] sample = sampleWithADeadDimension(random, 200);
        ScalarQuantizer quantizer = ScalarQuantizer.train(sample);
        // The raw product for the dead dimension is subnormal: that is the case being guarded.
        float[] q = sample[0];
        for (float component : quantizer.prepare(q, Metric.COSINE).scaled()) {
            assertTrue(component == 0f || Math.abs(component) >= Float.MIN_NORMAL,
                    "subnormal component " + component + " (every multiply-add reading it takes a microcode assist)");
        }
    }
}
