package io.vectorstream.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.index.Metric;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordEncodingTest {

    @Test
    void keysRoundTrip() {
        List<RecordKey> keys = List.of(new RecordKey.LibraryKey("lib"), new RecordKey.DocumentKey("lib", "d-1.x~y_z"),
                new RecordKey.ChunkKey("lib", "doc", "c:1"), new RecordKey.WatermarkKey(7));
        for (RecordKey key : keys) {
            assertEquals(key, RecordKey.decode(key.encode()));
        }
    }

    @Test
    void prefixesCoverExactlyTheirOwnRecords() {
        byte[] chunk = new RecordKey.ChunkKey("lib", "doc", "c").encode();
        byte[] otherLibrary = new RecordKey.ChunkKey("lib2", "doc", "c").encode();
        byte[] otherDocument = new RecordKey.ChunkKey("lib", "doc2", "c").encode();
        assertTrue(startsWith(chunk, RecordKey.chunksOf("lib")));
        assertTrue(startsWith(chunk, RecordKey.chunksOf("lib", "doc")));
        assertTrue(!startsWith(otherLibrary, RecordKey.chunksOf("lib")), "lib is not a prefix of lib2");
        assertTrue(!startsWith(otherDocument, RecordKey.chunksOf("lib", "doc")), "doc is not a prefix of doc2");
        assertTrue(startsWith(new RecordKey.DocumentKey("lib", "d").encode(), RecordKey.documentsOf("lib")));
    }

    @Test
    void damagedKeysAreRejected() {
        byte[] key = new RecordKey.ChunkKey("lib", "doc", "c").encode();
        assertThrows(IllegalArgumentException.class, () -> RecordKey.decode(Arrays.copyOf(key, key.length - 1)));
        assertThrows(IllegalArgumentException.class, () -> RecordKey.decode(Arrays.copyOf(key, key.length + 1)));
        assertThrows(IllegalArgumentException.class, () -> RecordKey.decode(new byte[] {9}));
    }

    @Test
    void keysWithIdsTheSchemasRefuseAreRejected() {
        // Forged on an internal topic: a library id names a file (ivf/<id>.ivf), so none may leave the folder.
        for (String id : List.of("../etc", "a/b", ".hidden", "", "dök", "x".repeat(129))) {
            assertThrows(IllegalArgumentException.class,
                    () -> RecordKey.decode(new RecordKey.LibraryKey(id).encode()), id);
            assertThrows(IllegalArgumentException.class,
                    () -> RecordKey.decode(new RecordKey.ChunkKey("lib", "doc", id).encode()), id);
        }
        byte[] negative = ByteBuffer.allocate(5).put(RecordKey.WATERMARK).putInt(-1).array();
        assertThrows(IllegalArgumentException.class, () -> RecordKey.decode(negative));
    }

    @Test
    void forgedRecordsAreRejectedBeforeAnythingLargeIsAllocated() {
        ChunkRecord chunk = new ChunkRecord("l", "d", "c", "text", new float[] {1, 2, 3}, "{}", 1, 2, 3);
        byte[] encoded = RecordCodec.encode(chunk);
        // The vector's count is after the format byte and four strings: 1 + 4 * 4 + "l d c text".
        int countAt = 1 + 4 + 1 + 4 + 1 + 4 + 1 + 4 + 4;
        for (int forged : new int[] {Integer.MAX_VALUE, -2, 1 << 28}) {
            byte[] copy = encoded.clone();
            ByteBuffer.wrap(copy).putInt(countAt, forged);
            assertThrows(IllegalArgumentException.class, () -> RecordCodec.decodeChunk(copy), "count " + forged);
            assertThrows(IllegalArgumentException.class, () -> RecordCodec.vectorOfChunk(copy), "count " + forged);
        }
        byte[] hugeString = encoded.clone();
        ByteBuffer.wrap(hugeString).putInt(1, Integer.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> RecordCodec.decodeChunk(hugeString));
        for (int cut = 0; cut < encoded.length; cut++) {
            byte[] truncated = Arrays.copyOf(encoded, cut);
            assertThrows(IllegalArgumentException.class, () -> RecordCodec.decodeChunk(truncated), "cut at " + cut);
        }
        DocumentUpsert upsert = new DocumentUpsert(new DocumentRecord("l", "d", "{}", 1, 2, 3), List.of("a"));
        byte[] manyIds = RecordCodec.encode(upsert);
        ByteBuffer.wrap(manyIds).putInt(manyIds.length - 4 - 1 - 4, Integer.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> RecordCodec.decodeDocumentUpsert(manyIds));

        LibraryRecord library = new LibraryRecord("l", "n", "{}", 3, Metric.L2, "{\"kind\":\"flat\"}", 1, 2, 3, null);
        byte[] lib = RecordCodec.encode(library);
        int dimensionAt = 1 + 4 + 1 + 4 + 1 + 4 + 2;
        for (int forged : new int[] {0, -1, 4097, Integer.MAX_VALUE}) {
            byte[] copy = lib.clone();
            ByteBuffer.wrap(copy).putInt(dimensionAt, forged);
            assertThrows(IllegalArgumentException.class, () -> RecordCodec.decodeLibrary(copy), "dimension " + forged);
        }
        byte[] badMetric = lib.clone();
        ByteBuffer.wrap(badMetric).putInt(dimensionAt + 4, 99);
        assertThrows(IllegalArgumentException.class, () -> RecordCodec.decodeLibrary(badMetric));
        assertThrows(IllegalArgumentException.class, () -> RecordCodec.decodeOffset(new byte[7]));
        assertThrows(IllegalArgumentException.class, () -> RecordCodec.decodeOffset(RecordCodec.encodeOffset(-5)));
    }

    @Test
    void recordsRoundTrip() {
        LibraryRecord library = new LibraryRecord("l", "Name", "{\"a\":1}", 3, Metric.L2, "{\"kind\":\"flat\"}", 5, 10, 20, null);
        assertEquals(library, RecordCodec.decodeLibrary(RecordCodec.encode(library)));
        LibraryRecord withModel = new LibraryRecord("l", "Name", "{}", 384, Metric.COSINE, "{\"kind\":\"flat\"}", 5,
                10, 20, "all-minilm-l6-v2");
        assertEquals(withModel, RecordCodec.decodeLibrary(RecordCodec.encode(withModel)));
        LibraryRecord typed = new LibraryRecord("l", "Name", "{}", 384, Metric.COSINE, "{\"kind\":\"flat\"}", 5,
                10, 20, null, "{\"year\":\"number\"}");
        assertEquals(typed, RecordCodec.decodeLibrary(RecordCodec.encode(typed)));
        // A library written before models (or metadata schemas) existed, without the trailing
        // fields, still decodes, without them.
        byte[] encoded = RecordCodec.encode(library);
        assertEquals(library, RecordCodec.decodeLibrary(Arrays.copyOf(encoded, encoded.length - 2 * Integer.BYTES)));
        assertEquals(library, RecordCodec.decodeLibrary(Arrays.copyOf(encoded, encoded.length - Integer.BYTES)));

        DocumentRecord document = new DocumentRecord("l", "d", "{}", 6, 11, 21);
        assertEquals(document, RecordCodec.decodeDocument(RecordCodec.encode(document)));
        DocumentUpsert withChunks = new DocumentUpsert(document, List.of("a", "b"));
        assertEquals(withChunks, RecordCodec.decodeDocumentUpsert(RecordCodec.encode(withChunks)));
        DocumentUpsert metadataOnly = new DocumentUpsert(document, null);
        assertEquals(metadataOnly, RecordCodec.decodeDocumentUpsert(RecordCodec.encode(metadataOnly)));

        float[] vector = {1.5f, -2f, Float.MIN_VALUE};
        ChunkRecord chunk = new ChunkRecord("l", "d", "c", "tëxt ✓", vector, "{\"k\":\"v\"}", 7, 12, 22);
        ChunkRecord decoded = RecordCodec.decodeChunk(RecordCodec.encode(chunk));
        assertArrayEquals(vector, decoded.vector());
        assertEquals("tëxt ✓", decoded.text());
        assertEquals(chunk.metadataJson(), decoded.metadataJson());
        assertEquals(7, decoded.version());
        assertArrayEquals(vector, RecordCodec.vectorOfChunk(RecordCodec.encode(chunk)));
        ChunkRecord withoutText = RecordCodec.decodeChunkWithoutText(RecordCodec.encode(chunk));
        assertEquals(List.of("l", "d", "c", "", chunk.metadataJson(), 7L, 12L, 22L), List.of(withoutText.libraryId(),
                withoutText.documentId(), withoutText.id(), withoutText.text(), withoutText.metadataJson(),
                withoutText.version(), withoutText.createdAt(), withoutText.updatedAt()));
        assertArrayEquals(vector, withoutText.vector());
    }

    @Test
    void anUpdateKeepsTheCreationTime() {
        ChunkRecord first = new ChunkRecord("l", "d", "c", "t", new float[] {1}, "{}", 1, 100, 100);
        ChunkRecord second = new ChunkRecord("l", "d", "c", "t2", new float[] {2}, "{}", 9, 900, 900);
        ChunkRecord merged = second.updatedFrom(first);
        assertEquals(100, merged.createdAt());
        assertEquals(900, merged.updatedAt());
        assertEquals(9, merged.version());
    }

    private static boolean startsWith(final byte[] bytes, final byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }
}
