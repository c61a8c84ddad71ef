package io.vectorstream.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vectorstream.cli.Options;
import io.vectorstream.client.Chunk;
import io.vectorstream.client.LibraryRequest;
import io.vectorstream.client.SearchRequest;
import io.vectorstream.client.ServiceUnderTest;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.client.VectorStreamException;
import io.vectorstream.util.Directories;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** seed and import against the whole service in-process: what they write, refuse and print. */
@Tag("integration")
class ToolsIntegrationTest {

    private static ServiceUnderTest service;
    private static VectorStreamClient client;
    private final Path dir = Directories.temporary("vectorstream-import");

    @BeforeAll
    static void start() {
        service = ServiceUnderTest.start();
        client = service.admin();
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    /** A command's exit code and what it printed. */
    private record Run(int exit, String out, String err) {
    }

    private static Run run(final String command, final String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--url", service.url().toString(), "--api-key", service.adminKey()));
        all.addAll(List.of(args));
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int exit = command.equals("seed") ? SeedCommand.run(all, o, e) : ImportCommand.run(all, o, e);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void seedWritesExamplesOnEveryTopicAndARerunDoublesNothing() {
        Run first = run("seed", "--library", "seeded", "--count", "40");
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().contains("Created the library 'seeded'"), first.out());
        assertTrue(first.out().contains("40 chunks in 8 documents on 8 topics"), first.out());
        assertTrue(first.err().contains("writing [##############################] 40/40"), "progress: " + first.err());
        assertEquals(40, client.getLibrary("seeded").chunkCount());
        Run again = run("seed", "--library", "seeded", "--count", "40");
        assertEquals(0, again.exit(), again.err());
        assertFalse(again.out().contains("Created"), again.out());
        assertEquals(40, client.getLibrary("seeded").chunkCount(), "the same ids again: nothing doubled");
        var hit = client.search("seeded", SearchRequest.text("how do satellites stay up").k(1)).results().getFirst();
        assertEquals("space-01", hit.chunkId());
        assertEquals("seed-space-1", hit.documentId());
        assertEquals(Map.of("topic", "space"), hit.metadata());
        assertThrows(Options.UsageException.class, () -> run("seed", "--library", "seeded", "--count", "321"));
    }

    @Test
    void textsAndPagesBecomeChunksWithPageNumbersAndAMissingReferenceWritesNothingOfItsDocument() throws IOException {
        client.createLibrary(LibraryRequest.withModel("books", "Books", "all-minilm-l6-v2"), true);
        Files.writeString(dir.resolve("pages_manual.csv"), "page_ref,page_number\nr1,1\nr2,2\nr3,3\n\"r,4\",4\n");
        Files.writeString(dir.resolve("texts_manual.json"), """
                [
                  {"text": "Unpack the device and charge it fully.", "page_refs": ["r1", "r2"]},
                  {"text": "Hold the power button for three seconds.", "page_refs": ["r2"]},
                  {"text": "Recycle the packaging.", "page_refs": ["r,4", "r3", "r1", "r3"]}
                ]
                """);
        Files.writeString(dir.resolve("pages_broken.csv"), "page_ref,page_number\nb1,10\n");
        Files.writeString(dir.resolve("texts_broken.json"), """
                [
                  {"text": "A fine first text.", "page_refs": ["b1"]},
                  {"text": "This one points nowhere.",
                   "page_refs": ["b1", "b9"]}
                ]
                """);
        Run imported = run("import", "--library", "books", dir.resolve("texts_manual.json").toString(),
                dir.resolve("pages_manual.csv").toString(), dir.resolve("texts_broken.json").toString());
        assertEquals(1, imported.exit(), "something was refused: " + imported.out());
        assertTrue(imported.out().contains("1 document(s) and 3 chunk(s) written; 1 refused"), imported.out());
        assertTrue(imported.out().contains("texts_broken.json:3: page reference 'b9' is not in pages_broken.csv"),
                imported.out());
        List<Chunk> chunks = client.listChunks("books", "manual", false).toList();
        assertEquals(List.of("text-0001", "text-0002", "text-0003"), chunks.stream().map(Chunk::id).toList());
        assertEquals(List.of("1", "2"), chunks.get(0).metadata().get("pages"));
        assertEquals(List.of("2"), chunks.get(1).metadata().get("pages"));
        assertEquals(List.of("1", "3", "4"), chunks.get(2).metadata().get("pages"), "sorted, distinct, as numbers");
        assertThrows(VectorStreamException.NotFound.class, () -> client.getDocument("books", "broken"));
        assertEquals("text-0001", client.search("books", SearchRequest.text("charging the battery").k(1))
                .results().getFirst().chunkId(), "embedded by the stream");
    }

    @Test
    void jsonLinesWithBadLinesWriteTheRestAndReportEach() throws IOException {
        client.createLibrary(LibraryRequest.withDimension("lines", "Lines", 2, "l2"), true);
        Path file = dir.resolve("records.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"id\": \"d1\", \"metadata\": {\"kind\": \"doc\"}, \"chunks\": [{\"id\": \"a\", \"embedding\": [1, 0]}]}",
                "{\"documentId\": \"d1\", \"id\": \"b\", \"text\": \"second\", \"embedding\": [0, 1]}",
                "{\"documentId\": \"d2\", \"id\": \"c\", \"embedding\": \"AACAPwAAAEA=\"}",
                "{not json",
                "{\"documentId\": \"d2\", \"id\": \"e\", \"embedding\": [1, 2, 3]}",
                "",
                "{\"documentId\": \"d2\", \"id\": \"f\", \"embedding\": [5, 5], \"colour\": \"red\"}",
                "{\"documentId\": \"d2\", \"id\": \"g\", \"embedding\": [7, 7]}",
                "{\"documentId\": \"d2\", \"id\": \"h\", \"text\": 42, \"embedding\": [8, 8]}"));
        Run imported = run("import", "--library", "lines", file.toString());
        assertEquals(1, imported.exit());
        assertTrue(imported.out().contains("1 document(s) and 4 chunk(s) written; 4 refused"), imported.out());
        assertTrue(imported.out().contains("records.jsonl:4: not JSON"), imported.out());
        assertTrue(imported.out().contains("records.jsonl:5: 400 ") && imported.out().contains("dimension"),
                imported.out());
        assertTrue(imported.out().contains("records.jsonl:7: not a document or chunk body: unknown field \"colour\""),
                imported.out());
        assertTrue(imported.out().contains("records.jsonl:9: not a document or chunk body: \"text\" must be a string"),
                imported.out());
        assertEquals(List.of("a", "b"), client.listChunks("lines", "d1", false).map(Chunk::id).toList());
        assertEquals(List.of("c", "g"), client.listChunks("lines", "d2", false).map(Chunk::id).toList(),
                "a chunk's document is created when missing");
        assertArrayEquals(new float[] {1, 2}, client.getChunk("lines", "d2", "c").embedding(), "base64 float32");
        assertEquals(Map.of("kind", "doc"), client.getDocument("lines", "d1").metadata());
    }

    @Test
    void dryRunPrintsWhatTheModelMakesOfEachTextAndWritesNothing() throws IOException {
        client.createLibrary(LibraryRequest.withModel("dry", "Dry", "all-minilm-l6-v2"), true);
        Files.writeString(dir.resolve("pages_guide.csv"), "page_ref,page_number\nx,7\ny,8\n");
        Files.writeString(dir.resolve("texts_guide.json"),
                "[{\"text\": \"Turn left at the lighthouse.\", \"page_refs\": [\"y\", \"x\"]},"
                        + " {\"text\": \"The ferry leaves hourly.\", \"page_refs\": [\"y\"]}]");
        Run dry = run("import", "--library", "dry", "--dry-run", dir.resolve("texts_guide.json").toString());
        assertEquals(0, dry.exit(), dry.err());
        List<String> lines = dry.out().lines().toList();
        assertEquals(2, lines.size(), dry.out());
        List<float[]> expected = client.embed(List.of("Turn left at the lighthouse.", "The ferry leaves hourly."),
                null, "passage").embeddings();
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < 2; i++) {
            JsonNode line = json.readTree(lines.get(i));
            assertArrayEquals(expected.get(i), json.treeToValue(line.get("vector"), float[].class), 0f);
        }
        assertEquals("Turn left at the lighthouse.", json.readTree(lines.get(0)).get("text").asText());
        assertEquals("[\"7\",\"8\"]", json.readTree(lines.get(0)).get("pages").toString());
        assertEquals(0, client.getLibrary("dry").chunkCount(), "nothing written");
    }

    @Test
    void importToKafkaPublishesEventsTheStreamApplies() throws IOException, InterruptedException {
        client.createLibrary(LibraryRequest.withDimension("kafka", "Kafka", 2, "l2"), true);
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, "{\"id\": \"d\", \"chunks\": [{\"id\": \"a\", \"embedding\": [1, 0]}]}\n"
                + "{\"documentId\": \"d\", \"id\": \"b\", \"embedding\": [0, 1]}\n");
        Run published = run("import", "--library", "kafka", "--kafka", service.bootstrapServers(), "--topic",
                service.topics().events(), file.toString());
        assertEquals(0, published.exit(), published.out());
        assertTrue(published.out().contains("as events on Kafka") && published.out().contains("published"),
                published.out());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (client.getLibrary("kafka").chunkCount() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(List.of("a", "b"), client.listChunks("kafka", "d", false).map(Chunk::id).toList());
    }
}
