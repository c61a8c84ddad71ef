package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.embed.Models;
import io.vectorstream.index.Metric;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.schema.Limits;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The one-pass reading of {@code chunk.upserted} events with a vector ({@link VectorChunkEvents})
 * must never change what becomes of an event: over thousands of events, valid and broken in the
 * ways a producer can break them, {@link EventTranslator#translate} (which takes the fast path
 * when it can) must give exactly what the general path gives: the same records, byte for byte,
 * or the same rejection.
 */
class EventTranslatorFastPathTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Map<String, LibraryRecord> LIBRARIES = Map.of(
            "lib-cos", library("lib-cos", 8, Metric.COSINE),
            "lib-dot", library("lib-dot", 8, Metric.DOT),
            "lib-l2", library("lib-l2", 5, Metric.L2),
            "lib-model", new LibraryRecord("lib-model", "lib-model", "{}", 8, Metric.COSINE, "{\"kind\":\"flat\"}", 0,
                    0, 0, "some-model"));
    private static final Function<String, LibraryRecord> KNOWN = LIBRARIES::get;
    private static final List<String> LIBRARY_IDS = List.of("lib-cos", "lib-dot", "lib-l2", "lib-model");

    private final EventTranslator translator = new EventTranslator(TextEmbedding.of(Models.none()),
            Limits.DEFAULT);

    private static LibraryRecord library(final String id, final int dimension, final Metric metric) {
        return new LibraryRecord(id, id, "{}", dimension, metric, "{\"kind\":\"flat\"}", 0, 0, 0, null);
    }

    @Test
    void theFastPathAcceptsWhatTheGeneralPathAcceptsWithTheSameRecordsAndNothingElse() {
        Random random = new Random(20261122);
        int events = 6_000;
        int takenFast = 0;
        int accepted = 0;
        for (int i = 0; i < events; i++) {
            ObjectNode event = validEvent(random);
            String library = event.get("libraryId").asText();
            String json = mutate(event, random);
            byte[] key = (random.nextInt(40) == 0 ? "lib-other" : library).getBytes(StandardCharsets.UTF_8);
            byte[] value = json.getBytes(StandardCharsets.UTF_8);

            EventTranslator.Outcome general = translator.translateInGeneral(key, value, 7, 1_000, KNOWN);
            EventTranslator.Outcome outcome = translator.translate(key, value, 7, 1_000, KNOWN);
            assertSameOutcome(general, outcome, json);
            if (VectorChunkEvents.read(value) != null) {
                takenFast++;
            }
            if (general instanceof EventTranslator.Accepted) {
                accepted++;
            }
        }
        // Not vacuous: both paths saw plenty of both kinds.
        assertTrue(takenFast > events / 4, "read in one pass: " + takenFast);
        assertTrue(accepted > events / 4 && accepted < events * 3 / 4, "accepted: " + accepted);
    }

    @Test
    void theCommonShapesAreReadInOnePass() {
        Random random = new Random(1);
        for (int i = 0; i < 200; i++) {
            ObjectNode event = validEvent(random);
            ObjectNode payload = (ObjectNode) event.get("payload");
            payload.remove(List.of("metadata", "id"));
            event.put("occurredAt", Instant.ofEpochMilli(1_700_000_000_000L + i * 123_457L).toString());
            byte[] value = event.toString().getBytes(StandardCharsets.UTF_8);
            assertNotNull(VectorChunkEvents.read(value), event.toString());
        }
        assertNull(VectorChunkEvents.read("{\"type\":\"chunk.deleted\",\"libraryId\":\"a\",\"documentId\":\"d\",\"chunkId\":\"c\"}"
                .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void plainInstantsAreTheOnesInstantWritesAndNothingDoubtful() {
        assertTrue(VectorChunkEvents.isPlainInstant("2026-11-22T15:40:01Z"));
        assertTrue(VectorChunkEvents.isPlainInstant("2026-11-22T15:40:01.123456789Z"));
        for (String doubtful : List.of("2026-02-30T00:00:00Z", "2026-11-22T15:40:60Z", "2026-11-22T24:00:00Z",
                "0999-01-01T00:00:00Z", "2026-11-22T15:40:01.Z", "2026-11-22T15:40:01.1234567891Z",
                "2026-11-22T15:40:01+01:00", "2026-11-22t15:40:01z", "2026-11-22 15:40:01Z")) {
            assertEquals(false, VectorChunkEvents.isPlainInstant(doubtful), doubtful);
        }
    }

    private static void assertSameOutcome(final EventTranslator.Outcome expected, final EventTranslator.Outcome actual,
                                          final String event) {
        if (expected instanceof EventTranslator.Rejected) {
            assertEquals(expected, actual, event);
            return;
        }
        EventTranslator.Accepted want = (EventTranslator.Accepted) expected;
        EventTranslator.Accepted got = assertInstanceOfAccepted(actual, event);
        assertEquals(want.records().size(), got.records().size(), event);
        for (int r = 0; r < want.records().size(); r++) {
            assertEquals(want.records().get(r).key(), got.records().get(r).key(), event);
            assertArrayEquals(want.records().get(r).value(), got.records().get(r).value(), event);
        }
    }

    private static EventTranslator.Accepted assertInstanceOfAccepted(final EventTranslator.Outcome outcome,
                                                                     final String event) {
        assertTrue(outcome instanceof EventTranslator.Accepted, event + " -> " + outcome);
        return (EventTranslator.Accepted) outcome;
    }

    /** A chunk.upserted event its library takes: vector as base64 or as an array, optional text, metadata, ids. */
    private static ObjectNode validEvent(final Random random) {
        String library = LIBRARY_IDS.get(random.nextInt(LIBRARY_IDS.size()));
        int dimension = LIBRARIES.get(library).dimension();
        ObjectNode event = NODES.objectNode();
        event.put("type", "chunk.upserted");
        if (random.nextBoolean()) {
            event.put("eventId", UUID.randomUUID().toString());
        }
        event.put("libraryId", library);
        event.put("documentId", id(random));
        event.put("chunkId", id(random));
        if (random.nextBoolean()) {
            event.put("occurredAt", Instant.ofEpochMilli(random.nextLong(4_000_000_000_000L)).toString());
        }
        ObjectNode payload = event.putObject("payload");
        float[] vector = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            vector[d] = (float) random.nextGaussian() * (random.nextInt(10) == 0 ? 1e6f : 1f);
        }
        if (random.nextBoolean()) {
            payload.put("embedding", base64(vector));
        } else {
            ArrayNode array = payload.putArray("embedding");
            for (float f : vector) {
                switch (random.nextInt(4)) {
                    case 0 -> array.add((int) (f * 10));
                    case 1 -> array.add((double) f);
                    case 2 -> array.add(f * 1e-7);
                    default -> array.add((long) (f * 1e12));
                }
            }
        }
        if (random.nextInt(3) > 0) {
            payload.put("text", random.nextInt(10) == 0 ? "naïve café ✓ 𝄞" : "chunk text " + random.nextInt());
        }
        if (random.nextInt(3) == 0) {
            ObjectNode metadata = payload.putObject("metadata");
            metadata.put("topic", "t" + random.nextInt(9));
            metadata.put("year", 1990 + random.nextInt(40));
            metadata.put("score", random.nextDouble());
            metadata.put("flag", random.nextBoolean());
            metadata.putArray("tags").add("a").add("b");
            if (random.nextBoolean()) {
                metadata.put("when", "2026-11-22T10:00:00Z");
            }
        }
        if (random.nextInt(8) == 0) {
            payload.put("id", random.nextBoolean() ? event.get("chunkId").asText() : id(random));
        }
        return event;
    }

    private static String id(final Random random) {
        String alphabet = "abcXYZ019._~:-";
        StringBuilder id = new StringBuilder().append((char) ('a' + random.nextInt(26)));
        for (int i = random.nextInt(12); i > 0; i--) {
            id.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    private static String base64(final float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : vector) {
            bytes.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    /** Leaves the event valid about half of the time; otherwise breaks one thing, as producers do. */
    private static String mutate(final ObjectNode event, final Random random) {
        ObjectNode payload = (ObjectNode) event.get("payload");
        switch (random.nextInt(116)) { // 58 ways to break it (some leave it valid), or none
            case 0 -> event.put("type", "chunk.deleted");
            case 1 -> event.put("type", "document.upserted");
            case 2 -> event.remove("chunkId");
            case 3 -> event.remove("documentId");
            case 4 -> event.remove("payload");
            case 5 -> event.put("chunkId", "-starts-with-dash");
            case 6 -> event.put("documentId", "has space");
            case 7 -> event.put("chunkId", "x".repeat(128));
            case 8 -> event.put("chunkId", "x".repeat(129));
            case 9 -> event.put("eventId", "");
            case 10 -> event.put("eventId", "é".repeat(128));
            case 11 -> event.put("eventId", "e".repeat(129));
            case 12 -> event.put("extra", 1);
            case 13 -> payload.put("extra", "x");
            case 14 -> event.put("occurredAt", "2026-02-30T00:00:00Z");
            case 15 -> event.put("occurredAt", "2026-11-22T15:40:01+01:00");
            case 16 -> event.put("occurredAt", "not a time");
            case 17 -> event.put("occurredAt", 12);
            case 18 -> payload.put("embedding", "!!!!");
            case 19 -> payload.put("embedding", "AAA");
            case 20 -> payload.put("embedding", "AAAAAA==");
            case 21 -> payload.putArray("embedding");
            case 22 -> payload.putArray("embedding").add("1").add(2);
            case 23 -> payload.putArray("embedding").add(new BigInteger("123456789012345678901234567890"));
            case 24 -> payload.putNull("embedding");
            case 25 -> payload.remove("embedding");
            case 26 -> payload.put("embedding", base64(new float[LIBRARIES.get(event.get("libraryId").asText())
                    .dimension()]));
            case 27 -> payload.put("embedding", base64(new float[3]));
            case 28 -> payload.put("text", "x".repeat(65_536));
            case 29 -> payload.put("text", "x".repeat(65_537));
            case 30 -> payload.putNull("text");
            case 31 -> payload.putObject("metadata").putNull("a");
            case 32 -> payload.putObject("metadata").putObject("nested").put("a", 1);
            case 33 -> payload.putObject("metadata").put("1bad", "x");
            case 34 -> payload.putObject("metadata").put("long", "y".repeat(4_097));
            case 35 -> {
                ObjectNode metadata = payload.putObject("metadata");
                for (int f = 0; f < 65; f++) {
                    metadata.put("f" + f, f);
                }
            }
            case 36 -> payload.putObject("metadata").putArray("l").add(1);
            case 37 -> payload.put("id", "bad id");
            case 38 -> event.put("libraryId", "lib-unknown");
            case 39 -> payload.putArray("embedding").add(new BigDecimal("1e400"));
            case 40 -> {
                return event + " trailing";
            }
            case 41 -> {
                String json = event.toString();
                return json.replaceFirst("\"libraryId\"", "\"libraryId\":\"lib-dot\",\"libraryId\"");
            }
            case 42 -> payload.putObject("metadata").put("big", new BigDecimal("1e400"));
            case 43 -> {
                String json = event.toString();
                return json.substring(0, json.length() / 2);
            }
            case 44 -> {
                String json = event.toString(); // a duplicate field inside the payload
                return json.replaceFirst("\"payload\":\\{", "\"payload\":{\"text\":\"first\",");
            }
            case 45 -> {
                ObjectNode metadata = payload.putObject("metadata");
                metadata.put("a", "x");
                return event.toString().replaceFirst("\"a\":\"x\"", "\"a\":\"x\",\"a\":1");
            }
            case 46 -> event.put("occurredAt", "2024-02-29T12:00:00.5Z"); // leap day, one fraction digit
            case 47 -> event.put("occurredAt", "2023-02-29T12:00:00Z"); // no such day
            case 48 -> event.put("occurredAt", "2026-11-22T15:40:01.12345Z");
            case 49 -> {
                String base64 = payload.path("embedding").isTextual() ? payload.get("embedding").asText() : "AAAAAA==";
                payload.put("embedding", base64.replace("=", "")); // no padding
            }
            case 50 -> payload.put("embedding", "AAAA AAAA"); // whitespace
            case 51 -> payload.put("embedding", "_-__"); // URL-safe alphabet
            case 52 -> {
                ArrayNode array = payload.putArray("embedding");
                for (int d = 0; d < 4_096; d++) {
                    array.add(d % 7);
                }
            }
            case 53 -> {
                ArrayNode array = payload.putArray("embedding");
                for (int d = 0; d < LIBRARIES.get(event.get("libraryId").asText()).dimension(); d++) {
                    array.add(16_777_217 + d); // above 2^24: not exact as float
                }
            }
            case 54 -> {
                ObjectNode metadata = payload.putObject("metadata");
                metadata.put("k", "𝄞".repeat(4_096)); // 4,096 code points, 8,192 UTF-16 units
            }
            case 55 -> payload.put("text", "𝄞".repeat(32_768)); // 65,536 UTF-16 units
            case 56 -> {
                return event.toString().replace("\"chunkId\"", "\"chunk\\u0049d\""); // escaped field name
            }
            case 57 -> payload.remove("embedding"); // text only: the library's model (if any) must embed it
            default -> {
            }
        }
        return event.toString();
    }
}
