package io.vectorstream.stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.schema.Embeddings;
import io.vectorstream.schema.Ids;
import io.vectorstream.schema.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads the most common event, a {@code chunk.upserted} that brings its vector, in one streaming
 * pass, with the checks of {@code event.json} and {@code chunk.json} that such an event must pass
 * written out by hand. It exists for speed: the general path builds a JSON tree, runs the schema
 * validator over it and binds it to records, which was most of the validation stage's CPU time.
 *
 * <p>It only ever accepts. Anything it does not recognise as plainly valid (another type, a text
 * without a vector, a field it does not know, a duplicate field, a value at or past a limit of the
 * schema, a timestamp not in the plain {@code 2026-01-02T03:04:05.678Z} form, trailing content)
 * makes it answer {@code null}, and the event takes the general path, which accepts or rejects it
 * with the reason. So it may be stricter than the schemas, never looser:
 * {@code EventTranslatorFastPathTest} checks, over thousands of valid and broken events, that
 * every event it accepts is accepted by the general path with the same records.
 */
final class VectorChunkEvents {

    /** A {@code chunk.upserted} event with a vector, as read; the vector not yet checked against its library. */
    record VectorChunk(String libraryId, String documentId, String chunkId, String text, float[] vector,
                       String metadataJson, String occurredAt) {
    }

    private static final String TYPE = "chunk.upserted";
    /** {@code common.json}'s limits. */
    private static final int MAX_ID = 128;
    private static final int MAX_TEXT = 65_536;
    private static final int MAX_VECTOR = 4_096;
    private static final int MAX_METADATA_FIELDS = 64;
    private static final int MAX_METADATA_STRING = 4_096;
    private static final int MAX_METADATA_LIST = 256;
    private static final int MAX_METADATA_LIST_STRING = 1_024;

    private VectorChunkEvents() {
    }

    /** The event if it is a plainly valid {@code chunk.upserted} with a vector, else {@code null}. */
    static VectorChunk read(final byte[] event) {
        if (event == null) {
            return null;
        }
        try (JsonParser parser = Json.MAPPER.createParser(event)) {
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION); // a field twice, at any depth: not plain
            return event(parser);
        } catch (IOException | RuntimeException notPlain) {
            return null;
        }
    }

    private static VectorChunk event(final JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        String libraryId = null;
        String documentId = null;
        String chunkId = null;
        String occurredAt = null;
        Payload payload = null;
        boolean typed = false;
        for (JsonToken token = p.nextToken(); token == JsonToken.FIELD_NAME; token = p.nextToken()) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "type" -> {
                    if (value != JsonToken.VALUE_STRING || !TYPE.equals(p.getText())) {
                        return null;
                    }
                    typed = true;
                }
                case "eventId" -> {
                    if (value != JsonToken.VALUE_STRING || !isShortString(p.getText(), 1, MAX_ID)) {
                        return null;
                    }
                }
                case "libraryId" -> {
                    libraryId = id(p, value);
                }
                case "documentId" -> {
                    documentId = id(p, value);
                }
                case "chunkId" -> {
                    chunkId = id(p, value);
                }
                case "occurredAt" -> {
                    if (value != JsonToken.VALUE_STRING || !isPlainInstant(p.getText())) {
                        return null;
                    }
                    occurredAt = p.getText();
                }
                case "payload" -> {
                    if (value != JsonToken.START_OBJECT || (payload = payload(p)) == null) {
                        return null;
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        if (!typed || libraryId == null || documentId == null || chunkId == null || payload == null
                || p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            return null;
        }
        return new VectorChunk(libraryId, documentId, chunkId, payload.text, payload.vector, payload.metadataJson,
                occurredAt);
    }

    private static final class Payload {
        String text;
        float[] vector;
        String metadataJson = "{}";
    }

    /** The payload object, the parser on its START_OBJECT; {@code null} when not plain or without a vector. */
    private static Payload payload(final JsonParser p) throws IOException {
        Payload payload = new Payload();
        for (JsonToken token = p.nextToken(); token == JsonToken.FIELD_NAME; token = p.nextToken()) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "id" -> {
                    return null; // rare in events: the general path checks it against the event's chunkId
                }
                case "text" -> {
                    // UTF-16 length bounds the code points the schema counts
                    if (value != JsonToken.VALUE_STRING || p.getTextLength() > MAX_TEXT) {
                        return null;
                    }
                    payload.text = p.getText();
                }
                case "embedding" -> {
                    payload.vector = vector(p, value);
                    if (payload.vector == null) {
                        return null;
                    }
                }
                case "metadata" -> {
                    if (value != JsonToken.START_OBJECT) {
                        return null;
                    }
                    JsonNode metadata = Json.MAPPER.readTree(p);
                    if (!isPlainMetadata(metadata)) {
                        return null;
                    }
                    // As the general path makes it: bound to a map, written back.
                    payload.metadataJson = Json.MAPPER.writeValueAsString(Json.MAPPER.treeToValue(metadata, Map.class));
                }
                default -> {
                    return null;
                }
            }
        }
        return payload.vector == null ? null : payload;
    }

    /** A vector in either wire form, decoded as {@link Embeddings#decode} does; {@code null} when not plain. */
    private static float[] vector(final JsonParser p, final JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            String base64 = p.getText();
            return base64.length() < 4 ? null : Embeddings.decodeBase64(base64); // throws when not base64
        }
        if (value != JsonToken.START_ARRAY) {
            return null;
        }
        float[] vector = new float[64];
        int n = 0;
        for (JsonToken element = p.nextToken(); element != JsonToken.END_ARRAY; element = p.nextToken()) {
            float f;
            if (element == JsonToken.VALUE_NUMBER_FLOAT) {
                f = (float) p.getDoubleValue(); // the tree's DoubleNode, then floatValue()
            } else if (element == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
                f = p.getIntValue();
            } else if (element == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.LONG) {
                f = p.getLongValue();
            } else {
                return null;
            }
            if (n == MAX_VECTOR) {
                return null;
            }
            if (n == vector.length) {
                vector = Arrays.copyOf(vector, vector.length * 2);
            }
            vector[n++] = f;
        }
        return n == 0 ? null : Arrays.copyOf(vector, n);
    }

    /** {@code common.json}'s metadata: at most 64 fields, plain names, string, number, boolean or string-list values. */
    private static boolean isPlainMetadata(final JsonNode metadata) {
        if (!metadata.isObject() || metadata.size() > MAX_METADATA_FIELDS) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = metadata.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!isMetadataName(field.getKey())) {
                return false;
            }
            JsonNode value = field.getValue();
            if (value.isTextual()) {
                if (!isShortString(value.textValue(), 0, MAX_METADATA_STRING)) {
                    return false;
                }
            } else if (value.isArray()) {
                if (value.size() > MAX_METADATA_LIST) {
                    return false;
                }
                for (JsonNode item : value) {
                    if (!item.isTextual() || !isShortString(item.textValue(), 0, MAX_METADATA_LIST_STRING)) {
                        return false;
                    }
                }
            } else if (!value.isNumber() && !value.isBoolean()) {
                return false;
            }
        }
        return true;
    }

    /** The id, if the token is a string matching {@code common.json}'s id pattern; else {@code null}. */
    private static String id(final JsonParser p, final JsonToken value) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            return null;
        }
        String id = p.getText();
        return Ids.isValid(id) ? id : null;
    }

    /** {@code ^[A-Za-z_][A-Za-z0-9_.-]{0,63}$} */
    private static boolean isMetadataName(final String name) {
        if (name.isEmpty() || name.length() > 64) {
            return false;
        }
        char first = name.charAt(0);
        if (!(first >= 'A' && first <= 'Z' || first >= 'a' && first <= 'z' || first == '_')) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isLetterOrDigit(c) && c != '_' && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetterOrDigit(final char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
    }

    /** Between {@code min} and {@code max} code points, as JSON Schema counts a string's length. */
    private static boolean isShortString(final String s, final int min, final int max) {
        int length = s.length() <= max ? s.codePointCount(0, s.length()) : max + 1;
        return length >= min && length <= max;
    }

    /**
     * {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z} with a year from 1000, hours below 24, minutes and
     * seconds below 60 and a date that exists: valid RFC 3339 for any validator, and what
     * {@link Instant#parse} reads as the general path does. ({@link Instant#toString} writes it.)
     */
    static boolean isPlainInstant(final String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(n - 1) != 'Z' || s.charAt(0) < '1' || s.charAt(0) > '9') {
            return false;
        }
        String shape = "dddd-dd-ddTdd:dd:dd";
        for (int i = 0; i < shape.length(); i++) {
            char expected = shape.charAt(i);
            char c = s.charAt(i);
            if (expected == 'd' ? c < '0' || c > '9' : c != expected) {
                return false;
            }
        }
        int hour = (s.charAt(11) - '0') * 10 + s.charAt(12) - '0';
        if (hour > 23 || s.charAt(14) > '5' || s.charAt(17) > '5') {
            return false; // hour 24 (end of day) and second 60 (a leap second) are left to the general path
        }
        if (n > 20) {
            if (s.charAt(19) != '.' || n == 21) {
                return false;
            }
            for (int i = 20; i < n - 1; i++) {
                if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                    return false;
                }
            }
        }
        try {
            Instant.parse(s);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
