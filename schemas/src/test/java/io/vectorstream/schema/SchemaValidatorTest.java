package io.vectorstream.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class SchemaValidatorTest {

    private final SchemaValidator validator = SchemaValidator.get();

    private static JsonNode json(final String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    @Test
    void aValidChunkEventPasses() throws Exception {
        List<Violation> violations = validator.validate(SchemaValidator.Schema.EVENT, json("""
                {"type":"chunk.upserted","libraryId":"lib","documentId":"d","chunkId":"c",
                 "payload":{"text":"hi","embedding":[1,2,3],"metadata":{"lang":"en","n":3,"ok":true,"tags":["a"]}},
                 "occurredAt":"2026-01-01T00:00:00Z"}"""));
        assertEquals(List.of(), violations);
    }

    @Test
    void aBase64EmbeddingIsAccepted() throws Exception {
        String base64 = Embeddings.toBase64(new float[] {1f, 2f});
        assertEquals(List.of(), validator.validate(SchemaValidator.Schema.CHUNK, json("{\"embedding\":\"" + base64 + "\"}")));
        assertEquals(2, Embeddings.decode(json("\"" + base64 + "\"")).length);
    }

    @Test
    void aMissingRequiredFieldIsNamed() throws Exception {
        List<Violation> violations = validator.validate(SchemaValidator.Schema.EVENT,
                json("{\"type\":\"chunk.upserted\",\"libraryId\":\"lib\",\"documentId\":\"d\",\"payload\":{\"embedding\":[1]}}"));
        assertTrue(violations.stream().anyMatch(v -> "chunkId".equals(v.field())), violations.toString());
    }

    @Test
    void aNestedViolationNamesItsPath() throws Exception {
        List<Violation> violations = validator.validate(SchemaValidator.Schema.DOCUMENT,
                json("{\"chunks\":[{\"id\":\"a\",\"embedding\":[1]},{\"id\":\"b\",\"embedding\":\"!!\"}]}"));
        assertEquals("chunks[1].embedding", violations.getFirst().field(), violations.toString());
    }

    /** As an ECMA-262 pattern reads {@code $}: the end of the input, not also before a final newline. */
    @Test
    void idsAndMetadataNamesEndWhereTheirPatternEnds() throws Exception {
        for (String id : List.of("abc\n", "abc\r\n", "a\u2028")) {
            List<Violation> violations = validator.validate(SchemaValidator.Schema.ID,
                    TextNode.valueOf(id));
            assertEquals(1, violations.size(), id + ": " + violations);
        }
        assertEquals(List.of(), validator.validate(SchemaValidator.Schema.ID,
                TextNode.valueOf("abc")));
        List<Violation> badKey = validator.validate(SchemaValidator.Schema.CHUNK,
                json("{\"embedding\":[1],\"metadata\":{\"lang\\n\":\"en\"}}"));
        assertTrue(!badKey.isEmpty(), "a metadata name ending in a newline");
        assertEquals("^a\\z[$]\\$", EcmaEndAnchors.strictEnds("^a$[$]\\$"));
    }

    @Test
    void unknownPropertiesAndBadIdsAreRejected() throws Exception {
        List<Violation> extra = validator.validate(SchemaValidator.Schema.LIBRARY,
                json("{\"name\":\"n\",\"dimension\":3,\"colour\":\"red\"}"));
        assertEquals("colour", extra.getFirst().field(), extra.toString());
        List<Violation> badId = validator.validate(SchemaValidator.Schema.LIBRARY,
                json("{\"id\":\"has space\",\"name\":\"n\",\"dimension\":3}"));
        assertEquals("id", badId.getFirst().field(), badId.toString());
        List<Violation> badDimension = validator.validate(SchemaValidator.Schema.LIBRARY,
                json("{\"name\":\"n\",\"dimension\":0}"));
        assertEquals("dimension", badDimension.getFirst().field(), badDimension.toString());
    }

    @Test
    void metadataValuesMustBeFlat() throws Exception {
        List<Violation> violations = validator.validate(SchemaValidator.Schema.CHUNK,
                json("{\"embedding\":[1],\"metadata\":{\"nested\":{\"a\":1}}}"));
        assertEquals("metadata.nested", violations.getFirst().field(), violations.toString());
    }

    @Test
    void base64OfAPartialFloatIsRefusedOnDecode() throws Exception {
        IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                () -> Embeddings.decode(json("\"AAAAAAA=\"")));
        assertTrue(e.getMessage().contains("whole number of float32"), e.getMessage());
    }

    /**
     * The schema only says "base64" (a regular expression over a 2 KB vector took a third of the
     * ingest CPU); decoding refuses anything else, with the reason.
     */
    @Test
    void base64WithForeignCharactersIsRefusedOnDecode() throws Exception {
        IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                () -> Embeddings.decode(json("\"AAAA*AAA\"")));
        assertTrue(e.getMessage().contains("not valid base64"), e.getMessage());
    }

    @Test
    void theFirstViolationIsFoundWithoutCheckingTheRest() throws Exception {
        String chunks = String.join(",", Collections.nCopies(10_000, "{\"id\":\"c\",\"txt\":\"x\"}"));
        JsonNode everyChunkWrong = json("{\"chunks\":[" + chunks + "]}");
        assertTrue(validator.validate(SchemaValidator.Schema.DOCUMENT, everyChunkWrong).size() >= 10_000,
                "the full validation reports each chunk's");
        Violation first = validator.firstViolation(SchemaValidator.Schema.DOCUMENT, everyChunkWrong);
        assertEquals("chunks[0].txt", first.field(), first.toString());

        // As the full validation on valid documents; on violations inside oneOf/anyOf, the field
        // the full validation names or the one that holds it.
        assertEquals(null, validator.firstViolation(SchemaValidator.Schema.DOCUMENT, json("""
                {"metadata":{"a":1,"b":"x","c":["y"],"d":true},"chunks":[{"id":"c","text":"t","embedding":[1,2]},
                 {"id":"d","embedding":"AACAPwAAAEA="}]}""")));
        for (String body : List.of("{\"metadata\":{\"a\":[1]}}", "{\"chunks\":[{\"id\":\"c\"}]}",
                "{\"chunks\":[{\"id\":\"../c\",\"text\":\"t\"}]}")) {
            String full = validator.validate(SchemaValidator.Schema.DOCUMENT, json(body)).getFirst().field();
            String fast = validator.firstViolation(SchemaValidator.Schema.DOCUMENT, json(body)).field();
            assertTrue(full.startsWith(fast), body + ": " + full + " / " + fast);
        }
    }

    @Test
    void ofViolationsAsDeepTheFirstElementsComesFirst() throws Exception {
        String chunks = String.join(",", Collections.nCopies(1_200, "{\"id\":\"c\"}"));
        List<Violation> violations = validator.validate(SchemaValidator.Schema.DOCUMENT, json("{\"chunks\":[" + chunks
                + "]}"));
        assertTrue(violations.getFirst().field().startsWith("chunks[0]."), violations.getFirst().toString());
    }
}
