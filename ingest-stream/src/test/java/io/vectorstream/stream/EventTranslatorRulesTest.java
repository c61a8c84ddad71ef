package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.embed.Models;
import io.vectorstream.index.Metric;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.record.RecordKey;
import io.vectorstream.schema.Limits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rules of the validation stage, one row each: an event on {@code vectorstream.events} is
 * accepted with the records it makes, or rejected with the reason and the field a dead letter
 * names. Libraries known: {@code lib} (3 dimensions, cosine) and {@code dots} (2, dot).
 */
class EventTranslatorRulesTest {

    private static final Limits LIMITS = new Limits(200, 40, 3);
    private static final Map<String, LibraryRecord> LIBRARIES = Map.of(
            "lib", new LibraryRecord("lib", "lib", "{}", 3, Metric.COSINE, "{\"kind\":\"flat\"}", 5, 0, 0, null),
            "dots", new LibraryRecord("dots", "dots", "{}", 2, Metric.DOT, "{\"kind\":\"flat\"}", 6, 0, 0, null));

    private final EventTranslator translator = new EventTranslator(TextEmbedding.of(Models.none()), LIMITS);

    /** A row: the record key, the event, and what must come of it. */
    record Rule(String name, String key, String event, Expected expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Accepted with records of these key types in this order, or rejected naming a field and saying something. */
    sealed interface Expected {
    }

    record Accepts(List<Class<? extends RecordKey>> keys) implements Expected {
    }

    record Rejects(String field, String reasonPart) implements Expected {
    }

    private static Rule accepts(final String name, final String key, final String event,
                                final List<Class<? extends RecordKey>> keys) {
        return new Rule(name, key, event, new Accepts(keys));
    }

    private static Rule rejects(final String name, final String key, final String event, final String field,
                                final String reasonPart) {
        return new Rule(name, key, event, new Rejects(field, reasonPart));
    }

    private static String chunk(final String library, final String payload) {
        return "{\"type\":\"chunk.upserted\",\"libraryId\":\"" + library + "\",\"documentId\":\"d\",\"chunkId\":\"c\","
                + "\"payload\":" + payload + "}";
    }

    static Stream<Rule> rules() {
        String longText = "x".repeat(41);
        String bigMetadata = "{\"note\":\"" + "m".repeat(200) + "\"}";
        return Stream.of(
                accepts("a new library", "new", "{\"type\":\"library.upserted\",\"libraryId\":\"new\","
                        + "\"payload\":{\"name\":\"n\",\"dimension\":4}}", List.of(RecordKey.LibraryKey.class)),
                accepts("a chunk with a vector", "lib", chunk("lib", "{\"embedding\":[1,2,3]}"),
                        List.of(RecordKey.ChunkKey.class)),
                accepts("a chunk with a base64 vector", "dots", chunk("dots", "{\"embedding\":\"AACAPwAAAEA=\"}"),
                        List.of(RecordKey.ChunkKey.class)),
                accepts("a chunk deleted", "lib", "{\"type\":\"chunk.deleted\",\"libraryId\":\"lib\",\"documentId\":"
                        + "\"d\",\"chunkId\":\"c\"}", List.of(RecordKey.ChunkKey.class)),
                accepts("a library deleted", "lib", "{\"type\":\"library.deleted\",\"libraryId\":\"lib\"}",
                        List.of(RecordKey.LibraryKey.class)),
                rejects("an empty value", "lib", "", null, "JSON object"),
                rejects("malformed JSON", "lib", "{\"type\":", null, "malformed JSON"),
                rejects("JSON that is not an object", "lib", "[1,2]", null, "JSON object"),
                rejects("an unknown type", "lib", "{\"type\":\"chunk.renamed\",\"libraryId\":\"lib\"}", "type",
                        "schema violation"),
                rejects("a key that is not the library id", "other", chunk("lib", "{\"embedding\":[1,2,3]}"), "libraryId",
                        "record key must be the library id"),
                rejects("an unknown library", "nope", chunk("nope", "{\"embedding\":[1,2,3]}"), "libraryId",
                        "unknown library 'nope'"),
                rejects("a vector of another dimension", "lib", chunk("lib", "{\"embedding\":[1,2]}"),
                        "payload.embedding", "dimension 2 differs from the library's dimension 3"),
                rejects("the zero vector under cosine", "lib", chunk("lib", "{\"embedding\":[0,0,0]}"),
                        "payload.embedding", "zero vector"),
                rejects("a vector too long for dot", "dots", chunk("dots", "{\"embedding\":[1e19,1e19]}"),
                        "payload.embedding", "past"),
                rejects("text where the library has no model", "lib", chunk("lib", "{\"text\":\"hello\"}"),
                        "payload.embedding", ""),
                rejects("text past its limit", "lib", chunk("lib", "{\"text\":\"" + longText
                        + "\",\"embedding\":[1,2,3]}"), "payload.text", "40"),
                rejects("metadata past its limit", "lib", chunk("lib", "{\"embedding\":[1,2,3],\"metadata\":"
                        + bigMetadata + "}"), "payload.metadata", "200"),
                rejects("more chunks than a document may carry", "lib", "{\"type\":\"document.upserted\","
                        + "\"libraryId\":\"lib\",\"documentId\":\"d\",\"payload\":{\"chunks\":["
                        + "{\"id\":\"a\",\"embedding\":[1,0,0]},{\"id\":\"b\",\"embedding\":[1,0,0]},"
                        + "{\"id\":\"c\",\"embedding\":[1,0,0]},{\"id\":\"e\",\"embedding\":[1,0,0]}]}}",
                        "payload.chunks", "3"),
                rejects("a chunk id twice in one document", "lib", "{\"type\":\"document.upserted\","
                        + "\"libraryId\":\"lib\",\"documentId\":\"d\",\"payload\":{\"chunks\":["
                        + "{\"id\":\"a\",\"embedding\":[1,0,0]},{\"id\":\"a\",\"embedding\":[0,1,0]}]}}",
                        "payload.chunks[1].id", "appears twice"),
                rejects("a payload id naming another chunk", "lib", chunk("lib", "{\"id\":\"other\","
                        + "\"embedding\":[1,2,3]}"), "payload.id", "differs from"),
                rejects("another dimension for an existing library", "lib", "{\"type\":\"library.upserted\","
                        + "\"libraryId\":\"lib\",\"payload\":{\"name\":\"n\",\"dimension\":4}}", "payload.dimension",
                        "the dimension of library 'lib' is 3"),
                rejects("another metric for an existing library", "lib", "{\"type\":\"library.upserted\","
                        + "\"libraryId\":\"lib\",\"payload\":{\"name\":\"n\",\"dimension\":3,\"metric\":\"l2\"}}",
                        "payload.metric", "the metric of library 'lib' is cosine"),
                rejects("an index parameter out of range", "new", "{\"type\":\"library.upserted\",\"libraryId\":"
                        + "\"new\",\"payload\":{\"name\":\"n\",\"dimension\":4,\"index\":{\"kind\":\"ivf\","
                        + "\"params\":{\"nlist\":5000}}}}", "payload.index.params.nlist", "nlist"),
                rejects("an unknown model", "new", "{\"type\":\"library.upserted\",\"libraryId\":\"new\","
                        + "\"payload\":{\"name\":\"n\",\"model\":\"no-such-model\"}}", "payload.model", "no-such-model"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void eachRuleAcceptsOrRejectsAsItSays(final Rule rule) {
        EventTranslator.Outcome outcome = translator.translate(rule.key().getBytes(StandardCharsets.UTF_8),
                rule.event().getBytes(StandardCharsets.UTF_8), 42, 1_000, LIBRARIES::get);
        switch (rule.expected()) {
            case Accepts accepts -> {
                EventTranslator.Accepted accepted = assertInstanceOf(EventTranslator.Accepted.class, outcome,
                        outcome.toString());
                assertEquals(accepts.keys(), accepted.records().stream()
                        .map(record -> (Class<?>) record.key().getClass()).toList());
            }
            case Rejects rejects -> {
                EventTranslator.Rejected rejected = assertInstanceOf(EventTranslator.Rejected.class, outcome,
                        outcome.toString());
                if (rejects.field() == null) {
                    assertNull(rejected.field(), rejected.toString());
                } else {
                    assertEquals(rejects.field(), rejected.field(), rejected.toString());
                }
                assertTrue(rejected.reason().contains(rejects.reasonPart()), rejected.reason());
            }
        }
    }
}
