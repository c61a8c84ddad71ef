package io.vectorstream.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vectorstream.index.IndexStats;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.DocumentRecord;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.store.ShardQuery.DocumentStats;
import io.vectorstream.store.ShardQuery.KnnAnswer;
import io.vectorstream.store.ShardQuery.LibraryStats;
import io.vectorstream.store.ShardQuery.ScoredChunk;
import io.vectorstream.stream.ConsistencyToken;
import io.vectorstream.stream.ShardAnswers;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardWireTest {

    private static final LibraryRecord LIBRARY = new LibraryRecord("lib", "Library ü", "{\"a\":1}", 3, Metric.L2,
            "{\"kind\":\"flat\"}", 7, 1000, 2000, "all-minilm-l6-v2");
    private static final DocumentRecord DOCUMENT = new DocumentRecord("lib", "doc", "{}", 8, 1001, 2001);
    private static final ChunkRecord CHUNK = new ChunkRecord("lib", "doc", "c1", "some text", new float[] {1, 2, 3},
            "{\"k\":\"v\"}", 9, 1002, 2002);

    @Test
    void everyQueryReadsBackAsItWasWritten() {
        List<ShardQuery<?>> queries = List.of(
                new ShardQuery.IndexReport("lib"), new ShardQuery.GetLibrary("lib"),
                new ShardQuery.ListLibraries(null, 10), new ShardQuery.ListLibraries("after", 5),
                new ShardQuery.GetDocument("lib", "doc"), new ShardQuery.ListDocuments("lib", "d", 3),
                new ShardQuery.GetChunk("lib", "doc", "c1"), new ShardQuery.ListChunks("lib", "doc", null, 100),
                new ShardQuery.Watermarks());
        for (ShardQuery<?> query : queries) {
            PeerRequest<?> read = ShardWire.decodeRequest(ShardWire.encode(new PeerRequest<>(query, Set.of(0, 2),
                    ConsistencyToken.parse("0:5,1:9"), 1500, -1)));
            assertEquals(query, read.query());
            assertEquals(Set.of(0, 2), read.partitions());
            assertEquals(ConsistencyToken.parse("0:5,1:9"), read.token());
            assertEquals(1500, read.waitMillis());
            assertEquals(-1, read.maxLagOffsets());
        }
        ShardQuery.Knn knn = new ShardQuery.Knn("lib", new float[] {0.5f, -1, 3}, 10, new SearchParams(4, 2, true),
                "{\"year\":{\"$gte\":2020}}", 3);
        PeerRequest<?> read = ShardWire.decodeRequest(ShardWire.encode(new PeerRequest<>(knn, Set.of(1), null, 0, 500)));
        ShardQuery.Knn back = (ShardQuery.Knn) read.query();
        assertArrayEquals(knn.vector(), back.vector());
        assertEquals(List.of(knn.libraryId(), knn.k(), knn.params(), knn.filterJson(), knn.groupSize()),
                List.of(back.libraryId(), back.k(), back.params(), back.filterJson(), back.groupSize()));
        assertEquals(null, read.token());
        assertEquals(500, read.maxLagOffsets());
    }

    @Test
    void everyAnswerReadsBackAsItWasWritten() {
        assertAnswer(new ShardQuery.GetLibrary("lib"), Optional.of(new LibraryStats(LIBRARY, 2, 5)));
        assertAnswer(new ShardQuery.GetLibrary("lib"), Optional.empty());
        assertAnswer(new ShardQuery.Count("lib", "{\"tag\":\"rare\"}"), 42L);
        ShardQuery.Count count = new ShardQuery.Count("lib", null);
        assertEquals(count, ShardWire.decodeRequest(ShardWire.encode(new PeerRequest<>(count, Set.of(0), null, 0, -1)))
                .query());
        assertAnswer(new ShardQuery.ListLibraries(null, 2), List.of(new LibraryStats(LIBRARY, 0, 0)));
        assertAnswer(new ShardQuery.GetDocument("lib", "doc"), Optional.of(new DocumentStats(DOCUMENT, 4)));
        assertAnswer(new ShardQuery.ListDocuments("lib", null, 2), List.of(new DocumentStats(DOCUMENT, 1)));
        assertAnswer(new ShardQuery.IndexReport("lib"), Optional.of(new IndexStats("ivf", 10, true, true, 4, 4096, 12)));
        assertAnswer(new ShardQuery.Watermarks(), Map.of(0, 12L, 2, 30L));
        ShardAnswers<Optional<ChunkRecord>> chunk = roundTrip(new ShardQuery.GetChunk("lib", "doc", "c1"),
                Map.of(1, Optional.of(CHUNK)));
        assertChunk(CHUNK, chunk.results().get(1).orElseThrow());
        ShardAnswers<List<ChunkRecord>> chunks = roundTrip(new ShardQuery.ListChunks("lib", "doc", null, 5),
                Map.of(1, List.of(CHUNK)));
        assertChunk(CHUNK, chunks.results().get(1).getFirst());
    }

    @Test
    void searchHitsTravelWithoutTheirVectors() {
        ShardQuery.Knn knn = new ShardQuery.Knn("lib", new float[] {1, 0, 0}, 2, SearchParams.DEFAULT);
        KnnAnswer answer = new KnnAnswer(List.of(new ScoredChunk(CHUNK, 0.25f)), "ivf", "index-filtered", false);
        KnnAnswer read = roundTrip(knn, Map.of(2, answer)).results().get(2);
        assertEquals("ivf", read.index());
        assertEquals("index-filtered", read.strategy());
        assertEquals(false, read.exhaustive());
        assertEquals(0.25f, read.hits().getFirst().score());
        ChunkRecord hit = read.hits().getFirst().chunk();
        assertEquals(List.of(CHUNK.id(), CHUNK.text(), CHUNK.metadataJson()), List.of(hit.id(), hit.text(),
                hit.metadataJson()));
        assertEquals(0, hit.vector().length);
    }

    @Test
    void missingShardsAndWhyTravelToo() {
        ShardAnswers<Map<Integer, Long>> answers = new ShardAnswers<>(Map.of(0, Map.of(0, 1L)), Set.of(1, 2),
                "shards [1, 2] are not active on b:8080");
        ShardAnswers<Map<Integer, Long>> read = ShardWire.decodeAnswer(new ShardQuery.Watermarks(),
                ShardWire.encode(new ShardQuery.Watermarks(), answers));
        assertEquals(answers, read);
    }

    @Test
    void aDamagedOrForeignBodyIsRefusedNotMisread() {
        byte[] body = ShardWire.encode(new PeerRequest<>(new ShardQuery.GetLibrary("lib"), Set.of(0), null, 0, -1));
        assertThrows(ShardWire.MalformedException.class, () -> ShardWire.decodeRequest(Arrays.copyOf(body,
                body.length - 3)));
        assertThrows(ShardWire.MalformedException.class, () -> ShardWire.decodeRequest(Arrays.copyOf(body,
                body.length + 1)));
        byte[] otherVersion = body.clone();
        otherVersion[0] = 1; // before filters travelled with a search
        ShardWire.MalformedException e = assertThrows(ShardWire.MalformedException.class,
                () -> ShardWire.decodeRequest(otherVersion));
        assertEquals(true, e.getMessage().contains("different versions"), e.getMessage());
        assertThrows(ShardWire.MalformedException.class, () -> ShardWire.decodeRequest(new byte[0]));
    }

    private static <R> void assertAnswer(final ShardQuery<R> query, final R result) {
        assertEquals(new ShardAnswers<>(Map.of(3, result), Set.of(), null), roundTrip(query, Map.of(3, result)));
    }

    private static <R> ShardAnswers<R> roundTrip(final ShardQuery<R> query, final Map<Integer, R> results) {
        return ShardWire.decodeAnswer(query, ShardWire.encode(query, new ShardAnswers<>(results, Set.of(), null)));
    }

    private static void assertChunk(final ChunkRecord expected, final ChunkRecord actual) {
        assertEquals(List.of(expected.libraryId(), expected.documentId(), expected.id(), expected.text(),
                expected.metadataJson(), expected.version(), expected.createdAt(), expected.updatedAt()),
                List.of(actual.libraryId(), actual.documentId(), actual.id(), actual.text(), actual.metadataJson(),
                        actual.version(), actual.createdAt(), actual.updatedAt()));
        assertArrayEquals(expected.vector(), actual.vector());
    }
}
