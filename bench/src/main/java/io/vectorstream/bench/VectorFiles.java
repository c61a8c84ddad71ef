package io.vectorstream.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The texmex formats of ANN benchmark data sets: {@code .fvecs} (vectors) and {@code .ivecs}
 * (ground-truth neighbour ids). Each record is a little-endian int32 dimension, then that many
 * little-endian float32 (fvecs) or int32 (ivecs) values.
 */
public final class VectorFiles {

    private VectorFiles() {
    }

    /** Reads at most {@code limit} vectors (all when {@code limit <= 0}). */
    public static float[][] readFvecs(final Path file, final int limit) throws IOException {
        return readRecords(file, limit, body -> {
            float[] v = new float[body.remaining() / 4];
            body.asFloatBuffer().get(v);
            return v;
        }).toArray(new float[0][]);
    }

    /** Reads at most {@code limit} id lists (all when {@code limit <= 0}). */
    public static int[][] readIvecs(final Path file, final int limit) throws IOException {
        return readRecords(file, limit, body -> {
            int[] ids = new int[body.remaining() / 4];
            body.asIntBuffer().get(ids);
            return ids;
        }).toArray(new int[0][]);
    }

    /** Reads records of a count and that many 4-byte little-endian values, each decoded by {@code decode}. */
    private static <T> List<T> readRecords(final Path file, final int limit,
                                           final Function<ByteBuffer, T> decode) throws IOException {
        List<T> out = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            DataInputStream data = new DataInputStream(in);
            byte[] header = new byte[4];
            while (limit <= 0 || out.size() < limit) {
                if (!readFully(data, header)) {
                    break;
                }
                int count = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt();
                byte[] body = new byte[count * 4];
                data.readFully(body);
                out.add(decode.apply(ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN)));
            }
        }
        return out;
    }

    public static void writeFvecs(final Path file, final float[][] vectors) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            for (float[] v : vectors) {
                ByteBuffer buffer = ByteBuffer.allocate(4 + v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buffer.putInt(v.length);
                buffer.asFloatBuffer().put(v);
                out.write(buffer.array());
            }
        }
    }

    public static void writeIvecs(final Path file, final int[][] lists) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            for (int[] ids : lists) {
                ByteBuffer buffer = ByteBuffer.allocate(4 + ids.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buffer.putInt(ids.length);
                buffer.asIntBuffer().put(ids);
                out.write(buffer.array());
            }
        }
    }

    private static boolean readFully(final DataInputStream in, final byte[] buffer) throws IOException {
        try {
            in.readFully(buffer);
            return true;
        } catch (EOFException end) {
            return false;
        }
    }
}
