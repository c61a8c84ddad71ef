package io.vectorstream.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.testing.KafkaFixture;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Java client against the whole service in-process (stream processor, model and HTTP on a real
 * broker), with an admin and a read API key; and EventWriter publishing to that broker.
 */
@Tag("integration")
class JavaClientIntegrationTest {

    private static ServiceUnderTest service;
    private static URI url;
    private static String adminKey;
    private static String readKey;

    @BeforeAll
    static void start() {
        service = ServiceUnderTest.start();
        url = service.url();
        adminKey = service.adminKey();
        readKey = service.readKey();
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    private static VectorStreamClient admin() {
        return service.admin();
    }

    @Test
    void librariesDocumentsAndChunksThroughEveryMethod() {
        VectorStreamClient client = admin();
        WriteReceipt created = client.createLibrary(LibraryRequest.withDimension("crud", "Crud", 2, "l2")
                .withMetadata(Map.of("team", "search")), false);
        assertEquals("accepted", created.status());
        assertEquals(created.consistencyToken(), client.consistencyToken());
        client.updateLibrary("crud", LibraryRequest.rename("Renamed"), false);
        Library library = client.getLibrary("crud"); // read-your-writes: no token in this code
        assertEquals("Renamed", library.name());
        assertEquals(Map.of("team", "search"), library.metadata());
        assertEquals(2, library.dimension());
        assertTrue(client.listLibraries().anyMatch(l -> l.id().equals("crud")));

        client.putDocument("crud", "trip", DocumentRequest.of(Map.of("title", "Trip"), List.of(
                ChunkRequest.vector("a", 1, 0).withText("first").withMetadata(Map.of("page", 1)),
                ChunkRequest.vector("b", 0, 1).withText("second"))), false);
        assertEquals(2, client.getDocument("crud", "trip").chunkCount());
        WriteReceipt applied = client.putChunk("crud", "trip", ChunkRequest.vector("c", 3, 4).withText("third"), true);
        assertEquals("applied", applied.status());
        assertEquals("c", applied.chunkId());
        Chunk chunk = client.getChunk("crud", "trip", "c");
        assertEquals("third", chunk.text());
        assertArrayEquals(new float[] {3, 4}, chunk.embedding());
        List<Chunk> listed = client.listChunks("crud", "trip", false).toList();
        assertEquals(List.of("a", "b", "c"), listed.stream().map(Chunk::id).toList());
        assertNull(listed.getFirst().embedding());
        assertArrayEquals(new float[] {1, 0}, client.listChunks("crud", "trip", true).findFirst().orElseThrow().embedding());

        assertEquals("deleted", client.deleteChunk("crud", "trip", "b", true).status());
        assertEquals(List.of("a", "c"), client.listChunksAsync("crud", "trip", false).join().stream().map(Chunk::id).toList());
        client.deleteDocument("crud", "trip", false);
        assertThrows(VectorStreamException.NotFound.class, () -> client.getChunk("crud", "trip", "a"));
        client.deleteLibrary("crud", false);
        VectorStreamException.NotFound gone = assertThrows(VectorStreamException.NotFound.class,
                () -> client.getLibrary("crud"));
        assertEquals(404, gone.status());
        assertEquals("not_found", gone.code());
    }

    @Test
    void listingsFollowCursorsAcrossPages() {
        VectorStreamClient client = admin();
        client.createLibrary(LibraryRequest.withDimension("pages", "Pages", 2, "l2"), false);
        for (int i = 0; i < 230; i++) {
            client.putDocumentAsync("pages", String.format("doc-%03d", i), DocumentRequest.of(Map.of("i", i), null),
                    false).join();
        }
        List<String> expected = IntStream.range(0, 230).mapToObj(i -> String.format("doc-%03d", i)).toList();
        assertEquals(expected, client.listDocuments("pages").map(Document::id).toList(), "three pages of 100");
        assertEquals(expected, client.listDocumentsAsync("pages").join().stream().map(Document::id).toList());
    }

    @Test
    void aProgramReadsItsOwnWritesAndTheSessionCanBeSwitchedOff() {
        VectorStreamClient client = admin();
        client.createLibrary(LibraryRequest.withDimension("ryw", "RYW", 2, "l2"), false);
        client.putDocument("ryw", "d", DocumentRequest.of(null, null), false);
        for (int i = 0; i < 15; i++) {
            client.putChunk("ryw", "d", ChunkRequest.vector("c", i, 1).withText("version " + i), false);
            assertEquals("version " + i, client.getChunk("ryw", "d", "c").text());
            SearchResponse.Hit hit = client.search("ryw", SearchRequest.vector(i, 1).k(1)).results().getFirst();
            assertEquals("version " + i, hit.text());
            assertEquals(0.0, hit.score(), 1e-6);
            assertEquals(1, client.count("ryw", null));
        }
        String token = client.consistencyToken();
        client.resetSession();
        assertNull(client.consistencyToken());
        VectorStreamClient quiet = VectorStreamClient.builder(url).apiKey(adminKey).sessionConsistency(false).build();
        WriteReceipt written = quiet.putChunk("ryw", "d", ChunkRequest.vector("e", 0, 1), false);
        assertNull(quiet.consistencyToken(), "no session kept");
        quiet.getLibraryAsync("ryw", written.consistencyToken()).join(); // waits for the write it names
        assertEquals("e", quiet.getChunk("ryw", "d", "e").id());
        assertNotNull(token);
    }

    @Test
    void searchWithFiltersGroupsExamplesBatchesAndCounts() {
        VectorStreamClient client = admin();
        client.createLibrary(LibraryRequest.withDimension("search", "Search", 2, "l2"), false);
        for (int doc = 0; doc < 4; doc++) {
            int d = doc;
            client.putDocument("search", "d" + doc, DocumentRequest.of(Map.of("shelf", doc < 2 ? "top" : "bottom"),
                    IntStream.range(0, 3).mapToObj(i -> ChunkRequest.vector("c" + i, d * 10 + i, 0)
                            .withText("doc " + d + " chunk " + i)
                            .withMetadata(Map.of("year", 2000 + d, "tags", List.of(i % 2 == 0 ? "even" : "odd"))))
                            .toList()), false);
        }
        SearchResponse near = client.search("search", SearchRequest.vector(21.25f, 0).k(2));
        assertEquals(List.of("c1", "c2"), near.results().stream().map(SearchResponse.Hit::chunkId).toList());
        assertEquals(0.25, near.results().getFirst().score(), 1e-6);
        SearchResponse filtered = client.search("search", SearchRequest.vector(21, 0).k(3)
                .filter(Map.of("year", Map.of("$gte", 2003), "tags", Map.of("$contains", "even"))));
        assertEquals(Set.of("c0", "c2"), Set.copyOf(filtered.results().stream().map(SearchResponse.Hit::chunkId).toList()));
        assertTrue(filtered.results().stream().allMatch(h -> h.documentId().equals("d3")));
        assertNotNull(filtered.strategy());
        SearchResponse grouped = client.search("search", SearchRequest.vector(0, 0).k(2)
                .filter(Map.of("document.shelf", "bottom")).groupByDocument(2));
        assertEquals(List.of("d2", "d3"), grouped.groups().stream().map(SearchResponse.Group::documentId).toList());
        assertEquals(List.of("c0", "c1"), grouped.groups().getFirst().hits().stream().map(SearchResponse.Hit::chunkId).toList());
        SearchResponse like = client.search("search", SearchRequest.like("d1", "c1").k(2));
        assertEquals(Set.of("c0", "c2"), Set.copyOf(like.results().stream().map(SearchResponse.Hit::chunkId).toList()));

        List<SearchResponse> batch = client.searchBatch("search", List.of(SearchRequest.vector(0, 0).k(1),
                SearchRequest.vector(31, 0).k(1).filter(Map.of("year", 2001))));
        assertEquals(List.of("c0", "c2"), batch.stream().map(r -> r.results().getFirst().chunkId()).toList());
        assertEquals(12, client.count("search", null));
        assertEquals(3, client.countAsync("search", Map.of("year", Map.of("$lt", 2001))).join());
        VectorStreamException.BadRequest wrong = assertThrows(VectorStreamException.BadRequest.class,
                () -> client.searchBatch("search", List.of(SearchRequest.vector(0, 0),
                        SearchRequest.vector(0, 0).filter(Map.of("year", Map.of("$near", 1))))));
        assertTrue(wrong.field().startsWith("searches[1].filter"), wrong.field());
    }

    @Test
    void textSearchEmbeddingsAndModels() {
        VectorStreamClient client = admin();
        client.createLibrary(LibraryRequest.withModel("texts", "Texts", "all-minilm-l6-v2"), false);
        client.putDocument("texts", "facts", DocumentRequest.of(null, List.of(
                ChunkRequest.text("orbits", "Satellites stay in orbit because they fall around the Earth."),
                ChunkRequest.text("bread", "Knead the dough and let it rise for an hour."))), false);
        assertEquals("orbits", client.search("texts", SearchRequest.text("how do satellites stay up").k(1))
                .results().getFirst().chunkId());
        Embeddings embedded = client.embed(List.of("how do satellites stay up"), null, "query");
        assertEquals(384, embedded.dimension());
        float[] vector = embedded.embeddings().getFirst();
        double length = 0;
        for (float x : vector) {
            length += x * x;
        }
        assertEquals(1.0, Math.sqrt(length), 1e-3);
        assertEquals("orbits", client.search("texts", SearchRequest.vector(vector).k(1)).results().getFirst().chunkId());
        assertTrue(client.models().stream().anyMatch(m -> "all-minilm-l6-v2".equals(m.get("id"))));
    }

    @Test
    void oneInstanceHoldsEveryShard() {
        Map<String, Object> cluster = admin().cluster();
        assertEquals("RUNNING", cluster.get("state"));
        List<?> instances = (List<?>) cluster.get("instances");
        assertEquals(1, instances.size(), cluster.toString());
        Map<?, ?> self = (Map<?, ?>) instances.getFirst();
        assertEquals(true, self.get("self"));
        assertEquals(((Number) cluster.get("shards")).intValue(), ((List<?>) self.get("active")).size());
        assertEquals(List.of(), cluster.get("unassigned"));
    }

    @Test
    void refusalsAreTypedExceptionsNamingTheField() {
        VectorStreamClient client = admin();
        client.createLibrary(LibraryRequest.withDimension("errors", "Errors", 2, "cosine"), false);
        client.putDocument("errors", "d", DocumentRequest.of(null, null), false);
        VectorStreamException.BadRequest dimension = assertThrows(VectorStreamException.BadRequest.class,
                () -> client.search("errors", SearchRequest.vector(1, 2, 3)));
        assertEquals(400, dimension.status());
        assertEquals("vector", dimension.field());
        assertTrue(dimension.serviceMessage().contains("dimension"), dimension.serviceMessage());
        assertEquals(409, assertThrows(VectorStreamException.Conflict.class,
                () -> client.createLibrary(LibraryRequest.withDimension("errors", "Again", 2, "l2"), false)).status());
        VectorStreamException.PayloadTooLarge large = assertThrows(VectorStreamException.PayloadTooLarge.class,
                () -> client.putChunk("errors", "d", ChunkRequest.vector("c", 1, 0)
                        .withMetadata(Map.of("big", "x".repeat(70_000))), false));
        assertEquals("metadata", large.field());
        CompletionException async = assertThrows(CompletionException.class,
                () -> client.getDocumentAsync("errors", "nothing").join());
        assertInstanceOf(VectorStreamException.NotFound.class, async.getCause());
        assertThrows(IllegalArgumentException.class, () -> client.getLibrary(""));
    }

    @Test
    void keysDecideWhoMayDoWhat() {
        VectorStreamClient client = admin();
        client.createLibrary(LibraryRequest.withDimension("keys", "Keys", 2, "l2"), false);
        WriteReceipt document = client.putDocument("keys", "d", DocumentRequest.of(null, null), false);
        VectorStreamException.Unauthorized anonymous = assertThrows(VectorStreamException.Unauthorized.class,
                () -> VectorStreamClient.builder(url).build().getLibrary("keys"));
        assertEquals("unauthorized", anonymous.code());
        VectorStreamClient reader = VectorStreamClient.builder(url).apiKey(readKey).build();
        assertEquals("keys", reader.getLibraryAsync("keys", document.consistencyToken()).join().id());
        VectorStreamException.Forbidden forbidden = assertThrows(VectorStreamException.Forbidden.class,
                () -> reader.putChunk("keys", "d", ChunkRequest.vector("c", 1, 0), false));
        assertTrue(forbidden.serviceMessage().contains("java-read"), forbidden.serviceMessage());
        VectorStreamException.ConnectionFailed down = assertThrows(VectorStreamException.ConnectionFailed.class,
                () -> VectorStreamClient.builder(URI.create("http://127.0.0.1:9")).timeout(Duration.ofSeconds(2))
                        .build().getLibrary("keys"));
        assertEquals(0, down.status());
    }

    @Test
    void eventWriterPublishesWhatTheStreamAppliesAndItsTokensAreReadableOverHttp() throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers());
        String token;
        try (EventWriter writer = EventWriter.create(config, service.topics().events())) {
            writer.upsertLibrary("events", LibraryRequest.withDimension(null, "From Kafka", 2, "l2")).get();
            writer.upsertDocument("events", "d", DocumentRequest.of(Map.of("source", "kafka"), List.of(
                    ChunkRequest.vector("a", 1, 0).withText("first")))).get();
            for (int i = 0; i < 50; i++) {
                writer.upsertChunk("events", "bulk", ChunkRequest.vector("c" + i, i, 2));
            }
            writer.upsertChunk("events", "d", ChunkRequest.vector("wrong", 1, 2, 3)); // a dead letter, nothing else
            token = writer.deleteChunk("events", "d", "a").get();
            writer.flush();
        }
        VectorStreamClient client = VectorStreamClient.builder(url).apiKey(adminKey).sessionConsistency(false).build();
        Library library = client.getLibraryAsync("events", token).join();
        assertEquals("From Kafka", library.name());
        assertEquals(50, library.chunkCount(), "the bulk chunks, the deleted and the refused ones not");
        assertEquals("c7", client.searchAsync("events", SearchRequest.vector(7, 2).k(1)).join().results().getFirst()
                .chunkId());
        assertEquals(Map.of("source", "kafka"), client.getDocument("events", "d").metadata());
    }
}
