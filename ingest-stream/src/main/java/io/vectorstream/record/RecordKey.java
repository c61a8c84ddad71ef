package io.vectorstream.record;

import io.vectorstream.schema.Ids;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The key of one record in the shard store and on {@code vectorstream.chunks}. Each key names
 * exactly one record, which is what makes both the topic and the changelog safe to compact.
 *
 * <p>Binary form: a tag byte, then each id as a 2-byte length and its UTF-8 bytes. Because every
 * id is length-prefixed, the encoding of a library (or of a document) is a byte prefix of the
 * encodings of exactly its own documents and chunks, which {@link #documentsOf} and
 * {@link #chunksOf} rely on for prefix scans.
 */
public sealed interface RecordKey {

    byte LIBRARY = 1;
    byte DOCUMENT = 2;
    byte CHUNK = 3;
    byte WATERMARK = 4;
    byte INDEX_REQUEST = 5;

    /** The library this record belongs to, or {@code null} for a watermark. */
    String libraryId();

    /** A library's own record. */
    record LibraryKey(String libraryId) implements RecordKey {
    }

    /** A document's own record (its chunks have their own keys). */
    record DocumentKey(String libraryId, String documentId) implements RecordKey {
    }

    /** A chunk. */
    record ChunkKey(String libraryId, String documentId, String chunkId) implements RecordKey {
    }

    /**
     * The last request to rebuild a library's index; the value is the offset of the request's event.
     * Stored like any record so that the rebuild happens exactly once per request in every shard.
     */
    record IndexRequestKey(String libraryId) implements RecordKey {
    }

    /**
     * How far the shard has applied input partition {@code inputPartition} of the events topic;
     * the value is that offset. Used for read-your-writes.
     */
    record WatermarkKey(int inputPartition) implements RecordKey {
        @Override
        public String libraryId() {
            return null;
        }
    }

    /** The binary form of this key. */
    default byte[] encode() {
        return switch (this) {
            case LibraryKey k -> new Writer(LIBRARY).id(k.libraryId()).bytes();
            case DocumentKey k -> new Writer(DOCUMENT).id(k.libraryId()).id(k.documentId()).bytes();
            case ChunkKey k -> new Writer(CHUNK).id(k.libraryId()).id(k.documentId()).id(k.chunkId()).bytes();
            case WatermarkKey k -> ByteBuffer.allocate(5).put(WATERMARK).putInt(k.inputPartition()).array();
            case IndexRequestKey k -> new Writer(INDEX_REQUEST).id(k.libraryId()).bytes();
        };
    }

    /** Prefix of the keys of every document of a library. */
    static byte[] documentsOf(final String libraryId) {
        return new Writer(DOCUMENT).id(libraryId).bytes();
    }

    /** Prefix of the keys of every chunk of a library. */
    static byte[] chunksOf(final String libraryId) {
        return new Writer(CHUNK).id(libraryId).bytes();
    }

    /** Prefix of the keys of every chunk of a document. */
    static byte[] chunksOf(final String libraryId, final String documentId) {
        return new Writer(CHUNK).id(libraryId).id(documentId).bytes();
    }

    /**
     * Reads a key.
     *
     * @throws IllegalArgumentException if the bytes are not a key (an unknown tag, a truncated or
     *                                  trailing part, an id the schemas would refuse)
     */
    static RecordKey decode(final byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            byte tag = in.get();
            RecordKey key = switch (tag) {
                case LIBRARY -> new LibraryKey(readId(in));
                case DOCUMENT -> new DocumentKey(readId(in), readId(in));
                case CHUNK -> new ChunkKey(readId(in), readId(in), readId(in));
                case WATERMARK -> {
                    int partition = in.getInt();
                    if (partition < 0) {
                        throw new IllegalArgumentException("watermark of negative partition " + partition);
                    }
                    yield new WatermarkKey(partition);
                }
                case INDEX_REQUEST -> new IndexRequestKey(readId(in));
                default -> throw new IllegalArgumentException("unknown record key tag " + tag);
            };
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes after record key");
            }
            return key;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated record key", e);
        }
    }

    /**
     * One id, which must be an id the schemas accept: keys come from internal topics and changelogs
     * too, which anyone with access to the cluster can write, and a library id names a file.
     */
    private static String readId(final ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        if (length > in.remaining()) {
            throw new IllegalArgumentException("truncated record key");
        }
        String id = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        if (!Ids.isValid(id)) {
            throw new IllegalArgumentException("record key holds an invalid id");
        }
        return id;
    }

    /** Builds the binary form of a key. */
    final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

        private Writer(final byte tag) {
            out.write(tag);
        }

        private Writer id(final String id) {
            byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > 0xFFFF) {
                throw new IllegalArgumentException("id longer than 65535 bytes");
            }
            out.write(utf8.length >>> 8);
            out.write(utf8.length & 0xFF);
            out.writeBytes(utf8);
            return this;
        }

        private byte[] bytes() {
            return out.toByteArray();
        }
    }
}
