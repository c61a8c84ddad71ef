package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The binary form of {@link IvfIndex.Training} ({@link IvfTrainingCodec}): other modules keep it on
 * disk and read it back after a restart, so a round trip must give back every field and the bytes
 * themselves must not change.
 */
class IvfTrainingCodecTest {

    private static final IvfIndex.Training QUANTIZED = new IvfIndex.Training(2, 2, new float[] {1f, -2f, 3.5f, 0f},
            new float[] {0.5f, 0.25f}, new float[] {0.125f, 1f}, 7, 0.5);
    private static final IvfIndex.Training PLAIN = new IvfIndex.Training(2, 2, new float[] {1f, -2f, 3.5f, 0f},
            null, null, 7, 0.5);

    /** The bytes of {@link #QUANTIZED}, written out by hand: format 1, little-endian (what is on disk today). */
    private static final String QUANTIZED_HEX = "01000000" + "02000000" + "02000000" + "01000000" + "07000000"
            + "000000000000e03f" + "0000803f" + "000000c0" + "00006040" + "00000000" + "0000003f" + "0000803e"
            + "0000003e" + "0000803f";
    private static final String PLAIN_HEX = "01000000" + "02000000" + "02000000" + "00000000" + "07000000"
            + "000000000000e03f" + "0000803f" + "000000c0" + "00006040" + "00000000";

    private static void assertSame(final IvfIndex.Training expected, final IvfIndex.Training actual) {
        assertEquals(expected.dimension(), actual.dimension());
        assertEquals(expected.nlist(), actual.nlist());
        assertArrayEquals(expected.centroids(), actual.centroids());
        assertArrayEquals(expected.quantizerBase(), actual.quantizerBase());
        assertArrayEquals(expected.quantizerStep(), actual.quantizerStep());
        assertEquals(expected.trainedSize(), actual.trainedSize());
        assertEquals(expected.trainedResidual(), actual.trainedResidual());
    }

    @Test
    void theBinaryFormatIsTheOneOnDisk() {
        assertEquals(QUANTIZED_HEX, HexFormat.of().formatHex(QUANTIZED.encode()));
        assertEquals(PLAIN_HEX, HexFormat.of().formatHex(PLAIN.encode()));
        assertSame(QUANTIZED, IvfIndex.Training.decode(HexFormat.of().parseHex(QUANTIZED_HEX)));
        IvfIndex.Training plain = IvfIndex.Training.decode(HexFormat.of().parseHex(PLAIN_HEX));
        assertSame(PLAIN, plain);
        assertNull(plain.quantizerBase());
    }

    @Test
    void aRoundTripGivesBackEveryFieldWithOrWithoutAQuantiserAndWithoutABaseline() {
        Random random = new Random(3);
        for (int dimension : new int[] {1, 3, 384}) {
            for (int nlist : new int[] {1, 5, 64}) {
                float[] centroids = new float[nlist * dimension];
                float[] base = new float[dimension];
                float[] step = new float[dimension];
                for (int i = 0; i < centroids.length; i++) {
                    centroids[i] = (float) random.nextGaussian();
                }
                for (int d = 0; d < dimension; d++) {
                    base[d] = (float) random.nextGaussian();
                    step[d] = random.nextFloat() + Float.MIN_VALUE;
                }
                // An infinite residual is what a training with too few held-out vectors keeps (no drift baseline).
                for (double residual : new double[] {0.0, 0.123456789, Double.POSITIVE_INFINITY}) {
                    IvfIndex.Training quantized = new IvfIndex.Training(dimension, nlist, centroids, base, step,
                            nlist * 100, residual);
                    IvfIndex.Training plain = new IvfIndex.Training(dimension, nlist, centroids, null, null,
                            Integer.MAX_VALUE, residual);
                    assertSame(quantized, IvfIndex.Training.decode(quantized.encode()));
                    assertSame(plain, IvfIndex.Training.decode(plain.encode()));
                    assertEquals(4 * 5 + 8 + 4 * (nlist + 2) * dimension, quantized.encode().length);
                    assertEquals(4 * 5 + 8 + 4 * nlist * dimension, plain.encode().length);
                }
            }
        }
    }

    @Test
    void aTrainingOfARealIndexSurvivesTheRoundTrip() {
        IvfIndex<Integer> index = new IvfIndex<>(8, Metric.L2, IvfParams.DEFAULT.withTrainThreshold(300));
        Random random = new Random(5);
        for (int i = 0; i < 400; i++) {
            float[] v = new float[8];
            for (int d = 0; d < v.length; d++) {
                v[d] = (float) random.nextGaussian();
            }
            index.put(i, v);
        }
        IvfIndex.Training training = index.training();
        assertSame(training, IvfIndex.Training.decode(training.encode()));
    }

    @Test
    void everyTruncationAndAnyTrailingByteIsRefused() {
        byte[] bytes = QUANTIZED.encode();
        for (int length = 0; length < bytes.length; length++) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            assertThrows(IllegalArgumentException.class, () -> IvfIndex.Training.decode(truncated), "length " + length);
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> IvfIndex.Training.decode(longer));
    }

    @Test
    void anUnknownFormatOrImpossibleSizesAreRefusedNotAllocated() {
        byte[] otherFormat = QUANTIZED.encode();
        otherFormat[0] = 2;
        assertThrows(IllegalArgumentException.class, () -> IvfIndex.Training.decode(otherFormat));
        // nlist * dimension overflows, is negative, or is zero: refused before any array is made.
        for (int[] shape : new int[][] {{1 << 16, 1 << 16}, {2, -1}, {-2, 2}, {2, 0}}) {
            byte[] bytes = ByteBuffer.allocate(4 * 5 + 8).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(1).putInt(shape[0]).putInt(shape[1]).putInt(0).putInt(7).putDouble(0.5).array();
            assertThrows(IllegalArgumentException.class, () -> IvfIndex.Training.decode(bytes),
                    Arrays.toString(shape));
        }
    }

    @Test
    void aTrainingWhoseArraysDoNotFitItsShapeCannotBeMade() {
        assertThrows(IllegalArgumentException.class,
                () -> new IvfIndex.Training(2, 2, new float[3], null, null, 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new IvfIndex.Training(2, 0, new float[0], null, null, 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new IvfIndex.Training(2, 1, new float[2], new float[2], null, 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new IvfIndex.Training(2, 1, new float[2], new float[2], new float[3], 1, 0));
    }
}
