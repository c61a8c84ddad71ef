package io.vectorstream.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vectorstream.record.ChunkRecord;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.filter.Filter;
import io.vectorstream.schema.filter.FilterParser;
import io.vectorstream.schema.filter.MetadataSchema;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

/**
 * The field index answers every filter exactly as the filter itself answers on the records: random
 * metadata of every value type (and missing fields, lists, nested objects, JSON null), random
 * filters of every operator and field kind, through chunk rewrites, deletes (whose ordinals are
 * reused), document metadata that changes and documents that arrive after their chunks.
 */
class FieldIndexTest {

    private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "rail", "travel", "Alpha", ""};
    private static final String[] FIELDS = {"year", "title", "tags", "draft", "score", "editor", "nested"};
    private static final long T0 = 1_780_000_000_000L;
    /** {@code published} is declared a timestamp: its filters compare instants, whatever the spelling. */
    private static final MetadataSchema SCHEMA = MetadataSchema.of("{\"published\": \"timestamp\"}");
    private static final String[] PUBLISHED = {"\"2026-05-28T20:26:40Z\"", "\"2026-05-28T22:26:40+02:00\"",
        "\"2026-05-28T20:26:40.500Z\"", "\"2026-05-28T20:26:39.999999Z\"", "\"2026-05-29T00:00:00Z\"",
        "\"yesterday\"", "5", "null"};

    private final Random random = new Random(20261207);
    /** Blocks of two values: ranges cut blocks, cover blocks, and blocks split and vanish under churn. */
    private final FieldIndex fields = new FieldIndex(2);
    private final Map<ChunkRef, ChunkRecord> chunks = new LinkedHashMap<>();
    private final Map<String, String> documents = new HashMap<>();

    @Test
    void everyRandomFilterMatchesExactlyTheChunksItAcceptsOnTheirRecords() {
        for (int round = 0; round < 6; round++) {
            churn(400);
            for (int i = 0; i < 300; i++) {
                assertSame(randomFilter(3));
            }
        }
    }

    @Test
    void theCornersOfTheLanguageAgreeToo() {
        churn(300);
        for (String json : List.of("{\"year\": 2021}", "{\"year\": 2021.0}", "{\"year\": {\"$gt\": 2020.5}}",
                "{\"year\": \"2021\"}", "{\"title\": {\"$lt\": \"beta\"}}", "{\"title\": {\"$gt\": 5}}",
                "{\"editor\": null}", "{\"editor\": {\"$ne\": null}}", "{\"draft\": false}",
                "{\"draft\": {\"$ne\": true}}", "{\"tags\": {\"$contains\": \"rail\"}}", "{\"tags\": \"rail\"}",
                "{\"title\": {\"$contains\": \"lph\"}}", "{\"title\": {\"$contains\": \"\"}}",
                "{\"nested\": {\"$exists\": true}}", "{\"missing\": {\"$exists\": false}}",
                "{\"missing\": {\"$ne\": 1}}", "{\"$not\": {\"year\": {\"$gte\": 2000}}}",
                "{\"year\": {\"$nin\": [2020, 2021, \"x\"]}}", "{\"document.lang\": \"en\"}",
                "{\"document.lang\": {\"$exists\": false}}", "{\"id\": {\"$in\": [\"c1\", \"c7\"]}}",
                "{\"documentId\": {\"$gte\": \"d3\"}}", "{\"id\": {\"$contains\": \"1\"}}",
                "{\"createdAt\": {\"$gte\": \"2026-05-28T20:26:40.500Z\"}}",
                "{\"updatedAt\": {\"$lt\": \"2026-05-28T20:26:41Z\"}}", "{\"createdAt\": {\"$exists\": true}}",
                "{\"document.nested\": {\"$exists\": true}}", "{\"$or\": [{\"draft\": true}, {\"year\": 2020}]}",
                "{\"published\": \"2026-05-28T22:26:40+02:00\"}", "{\"published\": {\"$gt\": \"2026-05-28T20:26:40Z\"}}",
                "{\"published\": {\"$lte\": \"2026-05-28T20:26:39.999999Z\"}}")) {
            assertSame(FilterParser.parse(Json.tree(json), "filter", SCHEMA));
        }
    }

    @Test
    void rangesOverManyDistinctValuesAgreeWhileBlocksSplitAndEmpty() {
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 400; i++) {
                ChunkRef ref = new ChunkRef("d", "c" + random.nextInt(500));
                if (random.nextInt(4) == 0) {
                    chunks.remove(ref);
                    fields.removeChunk(ref);
                } else {
                    // Values from -50 to 250 in quarters (as numbers, or as their text), some shared.
                    String value = Double.toString(random.nextInt(1_200) / 4.0 - 50);
                    ChunkRecord chunk = chunk("d", ref.chunkId(), "{\"n\": " + (random.nextInt(5) == 0 ? "\"" + value + "\""
                            : value) + "}");
                    chunks.put(ref, chunk);
                    fields.putChunk(chunk);
                }
            }
            for (int i = 0; i < 200; i++) {
                String op = new String[] {"$gt", "$gte", "$lt", "$lte", "$eq", "$ne"}[random.nextInt(6)];
                String bound = Double.toString(random.nextInt(1_400) / 4.0 - 100);
                String operand = random.nextInt(5) == 0 ? "\"" + bound + "\"" : bound;
                String json = random.nextBoolean() ? "{\"n\": {\"" + op + "\": " + operand + "}}"
                        : "{\"n\": {\"$gte\": " + bound + ", \"$lt\": " + (Double.parseDouble(bound) + random.nextInt(200)) + "}}";
                assertSame(FilterParser.parse(Json.tree(json), "filter"));
            }
        }
    }

    @Test
    void aDocumentStoredAfterItsChunksGivesThemItsFields() {
        fields.putChunk(chunk("late", "c1", "{}"));
        Filter english = FilterParser.parse(Json.tree("{\"document.lang\": \"en\"}"), "filter");
        assertEquals(0, fields.matches(english).getCardinality());
        fields.putDocument("late", "{\"lang\": \"en\"}", List.of("c1"));
        assertEquals(1, fields.matches(english).getCardinality());
        fields.putDocument("late", null, List.of("c1"));
        assertEquals(0, fields.matches(english).getCardinality());
    }

    /** Random writes: new chunks, rewrites, deletes, document metadata changes. */
    private void churn(final int writes) {
        for (int i = 0; i < writes; i++) {
            int op = random.nextInt(10);
            String documentId = "d" + random.nextInt(8);
            if (op < 6) {
                ChunkRecord chunk = chunk(documentId, "c" + random.nextInt(60), randomMetadata());
                chunks.put(new ChunkRef(chunk.documentId(), chunk.id()), chunk);
                fields.putChunk(chunk);
            } else if (op < 8 && !chunks.isEmpty()) {
                ChunkRef gone = new ArrayList<>(chunks.keySet()).get(random.nextInt(chunks.size()));
                chunks.remove(gone);
                fields.removeChunk(gone);
            } else {
                String metadata = random.nextInt(4) == 0 ? null : "{\"lang\": \"" + (random.nextBoolean() ? "en" : "de")
                        + "\", \"nested\": {\"a\": 1}, \"year\": " + (2000 + random.nextInt(30)) + "}";
                if (metadata == null) {
                    documents.remove(documentId);
                } else {
                    documents.put(documentId, metadata);
                }
                List<String> chunkIds = chunks.keySet().stream().filter(ref -> ref.documentId().equals(documentId))
                        .map(ChunkRef::chunkId).toList();
                fields.putDocument(documentId, metadata, chunkIds);
            }
        }
    }

    private void assertSame(final Filter filter) {
        ChunkFilter check = new ChunkFilter(filter, documents::get);
        Set<ChunkRef> expected = new TreeSet<>(FieldIndexTest::compare);
        chunks.forEach((ref, chunk) -> {
            if (check.test(chunk)) {
                expected.add(ref);
            }
        });
        RoaringBitmap matches = fields.matches(filter);
        Set<ChunkRef> actual = new TreeSet<>(FieldIndexTest::compare);
        actual.addAll(fields.chunksOf(matches));
        assertEquals(expected, actual, () -> "filter " + filter);
        assertEquals(expected.size(), matches.getCardinality(), () -> "count of " + filter);
    }

    private static int compare(final ChunkRef a, final ChunkRef b) {
        int byDocument = a.documentId().compareTo(b.documentId());
        return byDocument != 0 ? byDocument : a.chunkId().compareTo(b.chunkId());
    }

    private ChunkRecord chunk(final String documentId, final String chunkId, final String metadataJson) {
        long created = T0 + random.nextInt(2_000);
        return new ChunkRecord("lib", documentId, chunkId, "text", new float[] {1}, metadataJson, 1, created,
                created + random.nextInt(1_000));
    }

    private String randomMetadata() {
        StringBuilder json = new StringBuilder("{");
        for (String field : FIELDS) {
            if (random.nextInt(4) == 0) {
                continue; // missing
            }
            if (json.length() > 1) {
                json.append(", ");
            }
            json.append('"').append(field).append("\": ").append(randomValue(field));
        }
        if (random.nextInt(10) == 0) {
            json.append(json.length() > 1 ? ", " : "").append("\"id\": \"shadowed\", \"document.lang\": \"en\"");
        }
        if (random.nextInt(4) != 0) {
            json.append(json.length() > 1 ? ", " : "").append("\"published\": ")
                    .append(PUBLISHED[random.nextInt(PUBLISHED.length)]);
        }
        return json.append('}').toString();
    }

    private String randomValue(final String field) {
        int mix = random.nextInt(10);
        if (mix == 0) {
            return "null";
        }
        if (mix == 1) {
            return "\"" + WORDS[random.nextInt(WORDS.length)] + "\""; // any field may hold another type
        }
        return switch (field) {
            case "year" -> random.nextBoolean() ? Integer.toString(2015 + random.nextInt(10))
                    : (2015 + random.nextInt(10)) + ".0";
            case "score" -> Double.toString(random.nextInt(20) / 4.0);
            case "draft" -> Boolean.toString(random.nextBoolean());
            case "tags" -> "[\"" + WORDS[random.nextInt(WORDS.length)] + "\", \"" + WORDS[random.nextInt(WORDS.length)]
                    + "\", 3]";
            case "nested" -> "{\"a\": " + random.nextInt(3) + "}";
            default -> "\"" + WORDS[random.nextInt(WORDS.length)] + " " + WORDS[random.nextInt(WORDS.length)] + "\"";
        };
    }

    private Filter randomFilter(final int depth) {
        return FilterParser.parse(Json.tree(randomFilterJson(depth)), "filter", SCHEMA);
    }

    private String randomFilterJson(final int depth) {
        int pick = random.nextInt(depth > 0 ? 9 : 5);
        return switch (pick) {
            case 5 -> "{\"$and\": [" + randomFilterJson(depth - 1) + ", " + randomFilterJson(depth - 1) + "]}";
            case 6 -> "{\"$or\": [" + randomFilterJson(depth - 1) + ", " + randomFilterJson(depth - 1) + "]}";
            case 7 -> "{\"$not\": " + randomFilterJson(depth - 1) + "}";
            case 8 -> "{\"published\": " + (random.nextInt(5) == 0 ? "{\"$exists\": true}" : "{\""
                    + new String[] {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"}[random.nextInt(6)] + "\": "
                    + PUBLISHED[random.nextInt(5)] + "}") + "}";
            case 4 -> "{\"" + (random.nextBoolean() ? "createdAt" : "updatedAt") + "\": {\""
                    + new String[] {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"}[random.nextInt(6)] + "\": \""
                    + Instant.ofEpochMilli(T0 + random.nextInt(3_000)) + "\"}}";
            default -> "{\"" + randomField() + "\": " + randomCondition() + "}";
        };
    }

    private String randomField() {
        return switch (random.nextInt(12)) {
            case 0 -> "id";
            case 1 -> "documentId";
            case 2 -> "document.lang";
            case 3 -> "document.year";
            case 4 -> "missing";
            default -> FIELDS[random.nextInt(FIELDS.length)];
        };
    }

    private String randomCondition() {
        String value = randomOperand();
        return switch (random.nextInt(11)) {
            case 0 -> value;
            case 1 -> "{\"$ne\": " + value + "}";
            case 2, 3 -> "{\"" + new String[] {"$gt", "$gte", "$lt", "$lte"}[random.nextInt(4)] + "\": "
                    + (random.nextBoolean() ? Integer.toString(2012 + random.nextInt(16))
                    : "\"" + WORDS[random.nextInt(WORDS.length)] + "\"") + "}";
            case 4 -> "{\"$in\": [" + value + ", " + randomOperand() + "]}";
            case 5 -> "{\"$nin\": [" + value + "]}";
            case 6 -> "{\"$exists\": " + random.nextBoolean() + "}";
            case 7 -> "{\"$contains\": \"" + "alpha".substring(0, random.nextInt(3)) + "\"}";
            case 8 -> "{\"$contains\": \"" + WORDS[random.nextInt(WORDS.length)] + "\"}";
            case 9 -> "{\"$gte\": 2018, \"$lt\": 2021}";
            default -> "{\"$eq\": " + value + "}";
        };
    }

    private String randomOperand() {
        return switch (random.nextInt(7)) {
            case 0 -> "null";
            case 1 -> Boolean.toString(random.nextBoolean());
            case 2 -> Double.toString(random.nextInt(20) / 4.0);
            case 3 -> Integer.toString(2015 + random.nextInt(10));
            case 4 -> "\"c" + random.nextInt(60) + "\"";
            case 5 -> "\"d" + random.nextInt(8) + "\"";
            default -> "\"" + WORDS[random.nextInt(WORDS.length)] + "\"";
        };
    }
}
