package io.vectorstream.schema.filter;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.Violation;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A library's optional {@code metadataSchema}: the types of some chunk metadata fields
 * ({@code {"year": "number", "tags": "string[]", "published": "timestamp"}}). Chunk metadata that
 * gives a declared field a value of another type is refused; fields it does not declare, and
 * {@code null} values, are free. Filters on declared fields are checked against their types
 * ({@link FilterParser#parse(JsonNode, String, MetadataSchema)}), and a {@code timestamp} field
 * compares as instants.
 */
public final class MetadataSchema {

    /** The types a field can be declared with. */
    public enum Type {
        STRING("string"), NUMBER("number"), BOOLEAN("boolean"), TIMESTAMP("timestamp"), STRING_LIST("string[]");

        private final String wireName;

        Type(final String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Type of(final String wireName) {
            return Arrays.stream(values()).filter(t -> t.wireName.equals(wireName)).findFirst().orElse(null);
        }

        /** Whether {@code value} (not null) is of this type. */
        boolean admits(final JsonNode value) {
            return switch (this) {
                case STRING -> value.isTextual();
                case NUMBER -> value.isNumber();
                case BOOLEAN -> value.isBoolean();
                case TIMESTAMP -> value.isTextual() && instant(value.textValue()) != null;
                case STRING_LIST -> value.isArray() && allText(value);
            };
        }

        private static boolean allText(final JsonNode list) {
            for (JsonNode element : list) {
                if (!element.isTextual()) {
                    return false;
                }
            }
            return true;
        }

        /** What a value of this type is, for messages. */
        String described() {
            return switch (this) {
                case STRING -> "a string";
                case NUMBER -> "a number";
                case BOOLEAN -> "true or false";
                case TIMESTAMP -> "an RFC 3339 time (2026-12-07T10:00:00Z)";
                case STRING_LIST -> "a list of strings";
            };
        }
    }

    /** No field declared: every metadata is accepted. */
    public static final MetadataSchema NONE = new MetadataSchema(Map.of());

    private final Map<String, Type> fields;

    private MetadataSchema(final Map<String, Type> fields) {
        this.fields = fields;
    }

    /**
     * The schema of a library's {@code metadataSchema} JSON (null or empty: {@link #NONE}). The
     * library's JSON Schema has checked its shape already; the names of the types are checked here.
     *
     * @throws IllegalArgumentException naming the field whose type is unknown
     */
    public static MetadataSchema of(final String json) {
        if (json == null || json.isEmpty()) {
            return NONE;
        }
        JsonNode node = Json.tree(json);
        Map<String, Type> fields = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            Type type = Type.of(field.getValue().asText());
            if (type == null) {
                throw new IllegalArgumentException("metadataSchema." + field.getKey() + ": unknown type '"
                        + field.getValue().asText() + "'");
            }
            fields.put(field.getKey(), type);
        }
        return fields.isEmpty() ? NONE : new MetadataSchema(Map.copyOf(fields));
    }

    /** The declared type of a chunk metadata field, or null. */
    public Type type(final String field) {
        return fields.get(field);
    }

    public boolean isEmpty() {
        return fields.isEmpty();
    }

    /**
     * The first field of a chunk's metadata that breaks this schema, or null.
     *
     * @param path where the metadata is in its request or event ({@code chunks[3].metadata})
     */
    public Violation violation(final JsonNode metadata, final String path) {
        if (metadata == null || !metadata.isObject()) {
            return null;
        }
        for (Map.Entry<String, Type> field : fields.entrySet()) {
            JsonNode value = metadata.get(field.getKey());
            if (value != null && !value.isNull() && !field.getValue().admits(value)) {
                return new Violation(path + "." + field.getKey(), field.getKey() + " is declared "
                        + field.getValue().wireName() + " in the library's metadataSchema: it must be "
                        + field.getValue().described());
            }
        }
        return null;
    }

    /** The instant of an RFC 3339 time, or null when it is not one. */
    public static Instant instant(final String text) {
        if (text.length() < 20 || text.charAt(4) != '-' || text.charAt(10) != 'T') {
            return null; // not worth an exception
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
