package io.vectorstream.index;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The binary form of an {@link IvfIndex.Training}, which other modules keep beside a shard and read
 * back after a restart: changing it makes every kept training unreadable (the index then trains
 * again), so a new layout needs a new {@link #FORMAT} number, not an edit of this one.
 *
 * <p>Format 1, little-endian: {@code int format, int dimension, int nlist, int quantized (0 or 1),
 * int trainedSize, double trainedResidual}, then {@code nlist * dimension} floats of centroids,
 * row after row, and with the quantiser its {@code dimension} bases and {@code dimension} steps.
 */
final class IvfTrainingCodec {

    static final int FORMAT = 1;

    private IvfTrainingCodec() {
    }

    static byte[] encode(final IvfIndex.Training training) {
        float[] centroids = training.centroids();
        float[] base = training.quantizerBase();
        int dimension = training.dimension();
        int floats = centroids.length + (base == null ? 0 : 2 * dimension);
        ByteBuffer out = ByteBuffer.allocate(4 * 5 + 8 + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(FORMAT).putInt(dimension).putInt(training.nlist()).putInt(base == null ? 0 : 1)
                .putInt(training.trainedSize()).putDouble(training.trainedResidual());
        out.asFloatBuffer().put(centroids);
        out.position(out.position() + 4 * centroids.length);
        if (base != null) {
            out.asFloatBuffer().put(base).put(training.quantizerStep());
        }
        return out.array();
    }

    /** @throws IllegalArgumentException when {@code bytes} are not {@link #encode}'s form */
    static IvfIndex.Training decode(final byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (in.getInt() != FORMAT) {
                throw new IllegalArgumentException("unknown training format");
            }
            int dimension = in.getInt();
            int nlist = in.getInt();
            boolean quantized = in.getInt() == 1;
            int trainedSize = in.getInt();
            double residual = in.getDouble();
            float[] centroids = floats(in, Math.multiplyExact(nlist, dimension));
            float[] base = quantized ? floats(in, dimension) : null;
            float[] step = quantized ? floats(in, dimension) : null;
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes too many");
            }
            return new IvfIndex.Training(dimension, nlist, centroids, base, step, trainedSize, residual);
        } catch (BufferUnderflowException | ArithmeticException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("truncated training: " + e, e);
        }
    }

    /**
     * The next {@code count} floats. The count is checked against the bytes left before the array
     * is made: a damaged header must not allocate gigabytes.
     */
    private static float[] floats(final ByteBuffer in, final int count) {
        if (count < 0 || count > in.remaining() / 4) {
            throw new BufferUnderflowException();
        }
        float[] out = new float[count];
        in.asFloatBuffer().get(out);
        in.position(in.position() + 4 * count);
        return out;
    }
}
