package io.vectorstream.record;

import io.vectorstream.index.Metric;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Compact binary encoding of the records on {@code vectorstream.chunks} and in the shard store:
 * a format byte, then fields in order; strings as a 4-byte length and UTF-8, vectors as a 4-byte
 * count and float32 values. The format byte lets a later version read what an older one wrote.
 */
public final class RecordCodec {

    private static final byte FORMAT_V1 = 1;
    /** {@code library.json}'s largest dimension: a record past it is damaged or forged. */
    private static final int MAX_DIMENSION = 4096;

    private RecordCodec() {
    }

    public static byte[] encode(final LibraryRecord r) {
        return new Out(64 + r.name().length() + r.metadataJson().length() + r.indexJson().length())
                .str(r.id()).str(r.name()).str(r.metadataJson()).i32(r.dimension()).i32(r.metric().ordinal())
                .str(r.indexJson()).i64(r.version()).i64(r.createdAt()).i64(r.updatedAt())
                .str(r.model() == null ? "" : r.model())
                .str(r.metadataSchemaJson() == null ? "" : r.metadataSchemaJson()).bytes();
    }

    /**
     * @throws IllegalArgumentException when the bytes are not a library record this service could
     *                                  have written (damaged or forged: see {@link In})
     */
    public static LibraryRecord decodeLibrary(final byte[] bytes) {
        In in = new In(bytes);
        String id = in.str();
        String name = in.str();
        String metadata = in.str();
        int dimension = in.i32();
        int metric = in.i32();
        if (dimension < 1 || dimension > MAX_DIMENSION || metric < 0 || metric >= Metric.values().length) {
            throw new IllegalArgumentException("damaged library record: dimension " + dimension + ", metric " + metric);
        }
        LibraryRecord r = new LibraryRecord(id, name, metadata, dimension, Metric.values()[metric],
                in.str(), in.i64(), in.i64(), in.i64(), null);
        // The model and the metadata schema came later, as trailing fields: records written before
        // them have none.
        String model = in.hasMore() ? in.str() : "";
        String metadataSchema = in.hasMore() ? in.str() : "";
        return new LibraryRecord(r.id(), r.name(), r.metadataJson(), r.dimension(), r.metric(), r.indexJson(),
                r.version(), r.createdAt(), r.updatedAt(), model.isEmpty() ? null : model,
                metadataSchema.isEmpty() ? null : metadataSchema);
    }

    public static byte[] encode(final DocumentRecord r) {
        return new Out(64 + r.metadataJson().length()).str(r.libraryId()).str(r.id()).str(r.metadataJson())
                .i64(r.version()).i64(r.createdAt()).i64(r.updatedAt()).bytes();
    }

    public static DocumentRecord decodeDocument(final byte[] bytes) {
        return readDocument(new In(bytes));
    }

    public static byte[] encode(final DocumentUpsert u) {
        DocumentRecord r = u.document();
        Out out = new Out(64 + r.metadataJson().length()).str(r.libraryId()).str(r.id()).str(r.metadataJson())
                .i64(r.version()).i64(r.createdAt()).i64(r.updatedAt());
        if (u.chunkIds() == null) {
            out.i32(-1);
        } else {
            out.i32(u.chunkIds().size());
            u.chunkIds().forEach(out::str);
        }
        return out.bytes();
    }

    public static DocumentUpsert decodeDocumentUpsert(final byte[] bytes) {
        In in = new In(bytes);
        DocumentRecord document = readDocument(in);
        List<String> chunkIds = null;
        int count = in.countOrNone(Integer.BYTES); // each id takes its length at least
        if (count >= 0) {
            chunkIds = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                chunkIds.add(in.str());
            }
        }
        return new DocumentUpsert(document, chunkIds);
    }

    public static byte[] encode(final ChunkRecord r) {
        return new Out(96 + r.text().length() * 2 + r.vector().length * 4 + r.metadataJson().length())
                .str(r.libraryId()).str(r.documentId()).str(r.id()).str(r.text()).floats(r.vector())
                .str(r.metadataJson()).i64(r.version()).i64(r.createdAt()).i64(r.updatedAt()).bytes();
    }

    public static ChunkRecord decodeChunk(final byte[] bytes) {
        In in = new In(bytes);
        return new ChunkRecord(in.str(), in.str(), in.str(), in.str(), in.floats(), in.str(), in.i64(), in.i64(),
                in.i64());
    }

    /**
     * An encoded chunk as the shard's view indexes it: everything but its text (left empty, never
     * built: a text may be kilobytes, and every chunk is read this way on each open and write).
     */
    public static ChunkRecord decodeChunkWithoutText(final byte[] bytes) {
        In in = new In(bytes);
        String libraryId = in.str();
        String documentId = in.str();
        String id = in.str();
        in.skipStr();
        return new ChunkRecord(libraryId, documentId, id, "", in.floats(), in.str(), in.i64(), in.i64(), in.i64());
    }

    /**
     * Reads only the vector of an encoded chunk, without building strings for text and metadata:
     * the index rebuild on store open needs nothing else.
     */
    public static float[] vectorOfChunk(final byte[] bytes) {
        In in = new In(bytes);
        in.skipStr();
        in.skipStr();
        in.skipStr();
        in.skipStr();
        return in.floats();
    }

    public static byte[] encodeOffset(final long offset) {
        return ByteBuffer.allocate(Long.BYTES).putLong(offset).array();
    }

    /**
     * @throws IllegalArgumentException unless the bytes are one offset (8 bytes, not negative)
     */
    public static long decodeOffset(final byte[] bytes) {
        if (bytes == null || bytes.length != Long.BYTES) {
            throw new IllegalArgumentException("an offset record takes 8 bytes, this one "
                    + (bytes == null ? "none" : bytes.length));
        }
        long offset = ByteBuffer.wrap(bytes).getLong();
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        return offset;
    }

    private static DocumentRecord readDocument(final In in) {
        return new DocumentRecord(in.str(), in.str(), in.str(), in.i64(), in.i64(), in.i64());
    }

    private static final class Out {
        private ByteBuffer buffer;

        Out(final int sizeHint) {
            buffer = ByteBuffer.allocate(Math.max(32, sizeHint));
            buffer.put(FORMAT_V1);
        }

        private void ensure(final int more) {
            if (buffer.remaining() < more) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more));
                buffer.flip();
                bigger.put(buffer);
                buffer = bigger;
            }
        }

        Out str(final String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            ensure(4 + utf8.length);
            buffer.putInt(utf8.length).put(utf8);
            return this;
        }

        Out i32(final int v) {
            ensure(4);
            buffer.putInt(v);
            return this;
        }

        Out i64(final long v) {
            ensure(8);
            buffer.putLong(v);
            return this;
        }

        Out floats(final float[] v) {
            ensure(4 + v.length * 4);
            buffer.putInt(v.length);
            buffer.asFloatBuffer().put(v);
            buffer.position(buffer.position() + v.length * 4);
            return this;
        }

        byte[] bytes() {
            byte[] out = new byte[buffer.position()];
            buffer.flip();
            buffer.get(out);
            return out;
        }
    }

    /**
     * Reads a record defensively: records come from internal topics and changelogs, which anyone
     * with access to the cluster can write, so every length and count is checked against the bytes
     * left before anything is allocated, and a record that does not add up is an
     * {@link IllegalArgumentException}, never a huge allocation or another exception.
     */
    private static final class In {
        private final ByteBuffer buffer;

        In(final byte[] bytes) {
            if (bytes == null || bytes.length == 0) {
                throw new IllegalArgumentException("empty record");
            }
            buffer = ByteBuffer.wrap(bytes);
            byte format = buffer.get();
            if (format != FORMAT_V1) {
                throw new IllegalArgumentException("unknown record format " + format);
            }
        }

        /** A length or count of {@code unitBytes}-byte items that the bytes left can hold. */
        private int length(final int unitBytes) {
            int length = i32();
            if (length < 0 || (long) length * unitBytes > buffer.remaining()) {
                throw new IllegalArgumentException("damaged record: a length of " + length + " with "
                        + buffer.remaining() + " bytes left");
            }
            return length;
        }

        String str() {
            int length = length(1);
            String s = new String(buffer.array(), buffer.position(), length, StandardCharsets.UTF_8);
            buffer.position(buffer.position() + length);
            return s;
        }

        boolean hasMore() {
            return buffer.hasRemaining();
        }

        void skipStr() {
            int length = length(1);
            buffer.position(buffer.position() + length);
        }

        int i32() {
            require(Integer.BYTES);
            return buffer.getInt();
        }

        long i64() {
            require(Long.BYTES);
            return buffer.getLong();
        }

        /**
         * A count of items each at least {@code minItemBytes} long, as the bytes left can hold, or
         * -1 (written for "none").
         */
        int countOrNone(final int minItemBytes) {
            int count = i32();
            if (count == -1) {
                return -1;
            }
            if (count < 0 || (long) count * minItemBytes > buffer.remaining()) {
                throw new IllegalArgumentException("damaged record: a count of " + count + " with "
                        + buffer.remaining() + " bytes left");
            }
            return count;
        }

        float[] floats() {
            float[] v = new float[length(Float.BYTES)];
            buffer.asFloatBuffer().get(v);
            buffer.position(buffer.position() + v.length * 4);
            return v;
        }

        private void require(final int bytes) {
            if (buffer.remaining() < bytes) {
                throw new IllegalArgumentException("damaged record: truncated");
            }
        }
    }
}
