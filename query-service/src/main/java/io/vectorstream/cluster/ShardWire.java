package io.vectorstream.cluster;

import io.vectorstream.index.IndexStats;
import io.vectorstream.index.SearchParams;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.store.ShardQuery.DocumentStats;
import io.vectorstream.store.ShardQuery.KnnAnswer;
import io.vectorstream.store.ShardQuery.LibraryStats;
import io.vectorstream.store.ShardQuery.ScoredChunk;
import io.vectorstream.stream.ConsistencyToken;
import io.vectorstream.stream.ShardAnswers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The binary body of the internal endpoint between instances: a {@link PeerRequest} one way, a
 * {@link ShardAnswers} back. Records travel in {@link RecordCodec}'s form, vectors as float32; search
 * hits travel without their vectors, which no response shows. A format byte starts each body so
 * that instances of different versions refuse each other's bodies clearly instead of misreading them.
 */
public final class ShardWire {

    static final byte FORMAT = 4;
    /** Larger counts in a body are damage, not data: no query asks for more. */
    private static final int MAX_COUNT = 1 << 20;

    private ShardWire() {
    }

    /** A body that is not one this version writes. */
    public static final class MalformedException extends RuntimeException {
        MalformedException(final String message, final Throwable cause) {
            super(message, cause);
        }
    }

    public static byte[] encode(final PeerRequest<?> request) {
        return write(out -> {
            out.writeByte(FORMAT);
            writeQuery(out, request.query());
            writeInts(out, request.partitions());
            Map<Integer, Long> token = request.token() == null ? Map.of() : request.token().offsets();
            out.writeInt(token.size());
            for (Map.Entry<Integer, Long> e : new TreeMap<>(token).entrySet()) {
                out.writeInt(e.getKey());
                out.writeLong(e.getValue());
            }
            out.writeLong(request.waitMillis());
            out.writeLong(request.maxLagOffsets());
        });
    }

    public static PeerRequest<?> decodeRequest(final byte[] body) {
        return read(body, in -> {
            ShardQuery<?> query = readQuery(in);
            Set<Integer> partitions = readInts(in);
            int tokenSize = count(in);
            Map<Integer, Long> offsets = new HashMap<>();
            for (int i = 0; i < tokenSize; i++) {
                offsets.put(in.readInt(), in.readLong());
            }
            return new PeerRequest<>(query, partitions, offsets.isEmpty() ? null : new ConsistencyToken(offsets),
                    in.readLong(), in.readLong());
        });
    }

    public static <R> byte[] encode(final ShardQuery<R> query, final ShardAnswers<R> answer) {
        return write(out -> {
            out.writeByte(FORMAT);
            out.writeInt(answer.results().size());
            for (Map.Entry<Integer, R> e : answer.results().entrySet()) {
                out.writeInt(e.getKey());
                writeResult(out, query, e.getValue());
            }
            writeInts(out, answer.missing());
            writeString(out, answer.why() == null ? "" : answer.why());
        });
    }

    public static <R> ShardAnswers<R> decodeAnswer(final ShardQuery<R> query, final byte[] body) {
        return read(body, in -> {
            int size = count(in);
            Map<Integer, R> results = new HashMap<>();
            for (int i = 0; i < size; i++) {
                int partition = in.readInt();
                results.put(partition, readResult(in, query));
            }
            Set<Integer> missing = readInts(in);
            String why = readString(in);
            return new ShardAnswers<>(results, missing, why.isEmpty() ? null : why);
        });
    }

    // The queries, one tag each.

    private static void writeQuery(final DataOutputStream out, final ShardQuery<?> query) throws IOException {
        switch (query) {
            case ShardQuery.Knn q -> {
                out.writeByte(1);
                writeString(out, q.libraryId());
                writeFloats(out, q.vector());
                out.writeInt(q.k());
                out.writeInt(q.params().nprobe());
                out.writeInt(q.params().probes());
                out.writeBoolean(q.params().exact());
                out.writeInt(q.params().ef());
                writeNullable(out, q.filterJson());
                out.writeInt(q.groupSize());
            }
            case ShardQuery.IndexReport q -> {
                out.writeByte(2);
                writeString(out, q.libraryId());
            }
            case ShardQuery.GetLibrary q -> {
                out.writeByte(3);
                writeString(out, q.libraryId());
            }
            case ShardQuery.ListLibraries q -> {
                out.writeByte(4);
                writeNullable(out, q.afterId());
                out.writeInt(q.limit());
            }
            case ShardQuery.GetDocument q -> {
                out.writeByte(5);
                writeString(out, q.libraryId());
                writeString(out, q.documentId());
            }
            case ShardQuery.ListDocuments q -> {
                out.writeByte(6);
                writeString(out, q.libraryId());
                writeNullable(out, q.afterId());
                out.writeInt(q.limit());
            }
            case ShardQuery.GetChunk q -> {
                out.writeByte(7);
                writeString(out, q.libraryId());
                writeString(out, q.documentId());
                writeString(out, q.chunkId());
            }
            case ShardQuery.ListChunks q -> {
                out.writeByte(8);
                writeString(out, q.libraryId());
                writeString(out, q.documentId());
                writeNullable(out, q.afterId());
                out.writeInt(q.limit());
            }
            case ShardQuery.Watermarks q -> out.writeByte(9);
            case ShardQuery.Count q -> {
                out.writeByte(10);
                writeString(out, q.libraryId());
                writeNullable(out, q.filterJson());
            }
        }
    }

    private static ShardQuery<?> readQuery(final DataInputStream in) throws IOException {
        int tag = in.readByte();
        return switch (tag) {
            case 1 -> new ShardQuery.Knn(readString(in), readFloats(in), in.readInt(),
                    new SearchParams(in.readInt(), in.readInt(), in.readBoolean()).withEf(in.readInt()),
                    readNullable(in), in.readInt());
            case 2 -> new ShardQuery.IndexReport(readString(in));
            case 3 -> new ShardQuery.GetLibrary(readString(in));
            case 4 -> new ShardQuery.ListLibraries(readNullable(in), in.readInt());
            case 5 -> new ShardQuery.GetDocument(readString(in), readString(in));
            case 6 -> new ShardQuery.ListDocuments(readString(in), readNullable(in), in.readInt());
            case 7 -> new ShardQuery.GetChunk(readString(in), readString(in), readString(in));
            case 8 -> new ShardQuery.ListChunks(readString(in), readString(in), readNullable(in), in.readInt());
            case 9 -> new ShardQuery.Watermarks();
            case 10 -> new ShardQuery.Count(readString(in), readNullable(in));
            default -> throw new IOException("unknown query tag " + tag);
        };
    }

    // The results, by the query that asked for them.

    @SuppressWarnings("unchecked")
    private static void writeResult(final DataOutputStream out, final ShardQuery<?> query, final Object result)
            throws IOException {
        switch (query) {
            case ShardQuery.Knn q -> {
                KnnAnswer answer = (KnnAnswer) result;
                out.writeInt(answer.hits().size());
                for (ScoredChunk hit : answer.hits()) {
                    writeBytes(out, RecordCodec.encode(withoutVector(hit.chunk())));
                    out.writeFloat(hit.score());
                }
                writeString(out, answer.index());
                writeString(out, answer.strategy());
                out.writeBoolean(answer.exhaustive());
            }
            case ShardQuery.IndexReport q -> writeOptional(out, (Optional<IndexStats>) result, ShardWire::writeStats);
            case ShardQuery.GetLibrary q -> writeOptional(out, (Optional<LibraryStats>) result, ShardWire::writeLibrary);
            case ShardQuery.ListLibraries q -> writeList(out, (List<LibraryStats>) result, ShardWire::writeLibrary);
            case ShardQuery.GetDocument q -> writeOptional(out, (Optional<DocumentStats>) result, ShardWire::writeDocument);
            case ShardQuery.ListDocuments q -> writeList(out, (List<DocumentStats>) result, ShardWire::writeDocument);
            case ShardQuery.GetChunk q -> writeOptional(out, (Optional<ChunkRecord>) result,
                    (o, c) -> writeBytes(o, RecordCodec.encode(c)));
            case ShardQuery.ListChunks q -> writeList(out, (List<ChunkRecord>) result,
                    (o, c) -> writeBytes(o, RecordCodec.encode(c)));
            case ShardQuery.Watermarks q -> {
                Map<Integer, Long> marks = (Map<Integer, Long>) result;
                out.writeInt(marks.size());
                for (Map.Entry<Integer, Long> e : marks.entrySet()) {
                    out.writeInt(e.getKey());
                    out.writeLong(e.getValue());
                }
            }
            case ShardQuery.Count q -> out.writeLong((Long) result);
        }
    }

    @SuppressWarnings("unchecked")
    private static <R> R readResult(final DataInputStream in, final ShardQuery<R> query) throws IOException {
        Object result = switch (query) {
            case ShardQuery.Knn q -> {
                int hits = count(in);
                List<ScoredChunk> list = new ArrayList<>(hits);
                for (int i = 0; i < hits; i++) {
                    list.add(new ScoredChunk(RecordCodec.decodeChunk(readBytes(in)), in.readFloat()));
                }
                yield new KnnAnswer(list, readString(in), readString(in), in.readBoolean());
            }
            case ShardQuery.IndexReport q -> readOptional(in, ShardWire::readStats);
            case ShardQuery.GetLibrary q -> readOptional(in, ShardWire::readLibrary);
            case ShardQuery.ListLibraries q -> readList(in, ShardWire::readLibrary);
            case ShardQuery.GetDocument q -> readOptional(in, ShardWire::readDocument);
            case ShardQuery.ListDocuments q -> readList(in, ShardWire::readDocument);
            case ShardQuery.GetChunk q -> readOptional(in, i -> RecordCodec.decodeChunk(readBytes(i)));
            case ShardQuery.ListChunks q -> readList(in, i -> RecordCodec.decodeChunk(readBytes(i)));
            case ShardQuery.Watermarks q -> {
                int size = count(in);
                Map<Integer, Long> marks = new HashMap<>();
                for (int i = 0; i < size; i++) {
                    marks.put(in.readInt(), in.readLong());
                }
                yield marks;
            }
            case ShardQuery.Count q -> in.readLong();
        };
        return (R) result;
    }

    private static ChunkRecord withoutVector(final ChunkRecord c) {
        return new ChunkRecord(c.libraryId(), c.documentId(), c.id(), c.text(), new float[0], c.metadataJson(),
                c.version(), c.createdAt(), c.updatedAt());
    }

    private static void writeLibrary(final DataOutputStream out, final LibraryStats s) throws IOException {
        writeBytes(out, RecordCodec.encode(s.library()));
        out.writeInt(s.documentCount());
        out.writeInt(s.chunkCount());
    }

    private static LibraryStats readLibrary(final DataInputStream in) throws IOException {
        return new LibraryStats(RecordCodec.decodeLibrary(readBytes(in)), in.readInt(), in.readInt());
    }

    private static void writeDocument(final DataOutputStream out, final DocumentStats s) throws IOException {
        writeBytes(out, RecordCodec.encode(s.document()));
        out.writeInt(s.chunkCount());
    }

    private static DocumentStats readDocument(final DataInputStream in) throws IOException {
        return new DocumentStats(RecordCodec.decodeDocument(readBytes(in)), in.readInt());
    }

    private static void writeStats(final DataOutputStream out, final IndexStats s) throws IOException {
        writeString(out, s.kind());
        out.writeInt(s.size());
        out.writeBoolean(s.trained());
        out.writeBoolean(s.training());
        out.writeInt(s.partitions());
        out.writeLong(s.memoryBytes());
        out.writeLong(s.lastBuildMillis());
    }

    private static IndexStats readStats(final DataInputStream in) throws IOException {
        return new IndexStats(readString(in), in.readInt(), in.readBoolean(), in.readBoolean(), in.readInt(),
                in.readLong(), in.readLong());
    }

    // Building blocks.

    private interface Writer<T> {
        void write(DataOutputStream out, T value) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static <T> void writeOptional(final DataOutputStream out, final Optional<T> value, final Writer<T> writer)
            throws IOException {
        out.writeBoolean(value.isPresent());
        if (value.isPresent()) {
            writer.write(out, value.get());
        }
    }

    private static <T> Optional<T> readOptional(final DataInputStream in, final Reader<T> reader) throws IOException {
        return in.readBoolean() ? Optional.of(reader.read(in)) : Optional.empty();
    }

    private static <T> void writeList(final DataOutputStream out, final List<T> values, final Writer<T> writer)
            throws IOException {
        out.writeInt(values.size());
        for (T value : values) {
            writer.write(out, value);
        }
    }

    private static <T> List<T> readList(final DataInputStream in, final Reader<T> reader) throws IOException {
        int size = count(in);
        List<T> values = new ArrayList<>(Math.min(size, 1024));
        for (int i = 0; i < size; i++) {
            values.add(reader.read(in));
        }
        return values;
    }

    private static void writeInts(final DataOutputStream out, final Set<Integer> values) throws IOException {
        out.writeInt(values.size());
        for (int value : values) {
            out.writeInt(value);
        }
    }

    private static Set<Integer> readInts(final DataInputStream in) throws IOException {
        int size = count(in);
        Set<Integer> values = new LinkedHashSet<>();
        for (int i = 0; i < size; i++) {
            values.add(in.readInt());
        }
        return values;
    }

    private static void writeFloats(final DataOutputStream out, final float[] values) throws IOException {
        out.writeInt(values.length);
        for (float value : values) {
            out.writeFloat(value);
        }
    }

    private static float[] readFloats(final DataInputStream in) throws IOException {
        float[] values = new float[count(in)];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readFloat();
        }
        return values;
    }

    private static void writeBytes(final DataOutputStream out, final byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(final DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("a field of " + length + " bytes in a body with " + in.available() + " left");
        }
        return in.readNBytes(length);
    }

    private static void writeString(final DataOutputStream out, final String text) throws IOException {
        writeBytes(out, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(final DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    private static void writeNullable(final DataOutputStream out, final String text) throws IOException {
        out.writeBoolean(text != null);
        if (text != null) {
            writeString(out, text);
        }
    }

    private static String readNullable(final DataInputStream in) throws IOException {
        return in.readBoolean() ? readString(in) : null;
    }

    private static int count(final DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_COUNT) {
            throw new IOException("count " + n + " out of range");
        }
        return n;
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(final Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory", e);
        }
        return bytes.toByteArray();
    }

    private static <T> T read(final byte[] body, final Reader<T> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new MalformedException("body format " + format + ", this instance reads " + FORMAT
                        + " (instances of different versions?)", null);
            }
            T value = reader.read(in);
            if (in.available() > 0) {
                throw new IOException(in.available() + " bytes after the end");
            }
            return value;
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedException("not a body of the internal shard endpoint: " + e.getMessage(), e);
        }
    }
}
