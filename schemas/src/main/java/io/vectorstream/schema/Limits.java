package io.vectorstream.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * The size limits of what a library, document or chunk may carry, beyond the structural caps of
 * the JSON Schemas (64 metadata keys, strings of 4,096 characters, lists of 256, texts of 65,536
 * characters, 10,000 chunks per document): those caps bound each value, these bound the whole
 * record, so that every record derived from an event fits every topic and changelog it reaches.
 * Enforced at the HTTP edge (413 naming the field) and again by the stream's validation (a dead
 * letter naming the field), with the same numbers: {@link #violation} is the one check.
 *
 * <p>The limits decide what a replay builds: an instance with lower limits than the one that
 * accepted an event turns that event into a dead letter. Change them only upward, on every
 * instance at once.
 *
 * @param metadataBytes     the stored metadata of one library, document or chunk (its JSON in UTF-8)
 * @param textBytes         the text of one chunk, in UTF-8
 * @param chunksPerDocument chunks one document event may carry (at most the schema's 10,000)
 */
public record Limits(int metadataBytes, int textBytes, int chunksPerDocument) {

    /** The schema's cap on chunks per document event ({@code document.json}). */
    public static final int MAX_CHUNKS_PER_DOCUMENT = 10_000;
    /** The schema's cap on a chunk's text (65,536 characters), in UTF-8 bytes at most. */
    public static final int MAX_TEXT_BYTES = 4 * 65_536;

    /** 64 KiB of metadata per record (Milvus' JSON field default), texts as long as the schema allows. */
    public static final Limits DEFAULT = new Limits(64 * 1024, MAX_TEXT_BYTES, MAX_CHUNKS_PER_DOCUMENT);

    /** The names of the limits in configuration ({@code -Dvectorstream.limits.NAME=...}). */
    public static final String METADATA_BYTES = "metadata-bytes";
    public static final String TEXT_BYTES = "text-bytes";
    public static final String CHUNKS_PER_DOCUMENT = "chunks-per-document";

    public Limits {
        require(METADATA_BYTES, metadataBytes, 2, 1024 * 1024);
        require(TEXT_BYTES, textBytes, 1, MAX_TEXT_BYTES);
        require(CHUNKS_PER_DOCUMENT, chunksPerDocument, 1, MAX_CHUNKS_PER_DOCUMENT);
    }

    private static void require(final String name, final int value, final int min, final int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("vectorstream.limits." + name + " must be between " + min + " and "
                    + max + ", was " + value);
        }
    }

    /** What a body or payload is: the limits that apply differ. */
    public enum Kind { LIBRARY, DOCUMENT, CHUNK }

    /**
     * The first limit {@code body} breaks, or {@code null}. Values of the wrong type are left to the
     * schema, which names them better; this only measures what it can.
     *
     * @param body a library, document or chunk body (the REST body, or an event's payload)
     */
    public Violation violation(final JsonNode body, final Kind kind) {
        if (body == null || !body.isObject()) {
            return null;
        }
        Violation own = metadataViolation(body.get("metadata"), "metadata");
        if (own != null) {
            return own;
        }
        return switch (kind) {
            case LIBRARY -> null;
            case CHUNK -> textViolation(body.get("text"), "text");
            case DOCUMENT -> chunksViolation(body.get("chunks"));
        };
    }

    private Violation chunksViolation(final JsonNode chunks) {
        if (chunks == null || !chunks.isArray()) {
            return null;
        }
        if (chunks.size() > chunksPerDocument) {
            return new Violation("chunks", "a document event carries at most " + chunksPerDocument + " chunks ("
                    + "vectorstream.limits." + CHUNKS_PER_DOCUMENT + "), this one " + chunks.size()
                    + ": send the rest as chunk events");
        }
        for (int i = 0; i < chunks.size(); i++) {
            JsonNode chunk = chunks.get(i);
            if (chunk.isObject()) {
                String path = "chunks[" + i + "].";
                Violation violation = metadataViolation(chunk.get("metadata"), path + "metadata");
                if (violation == null) {
                    violation = textViolation(chunk.get("text"), path + "text");
                }
                if (violation != null) {
                    return violation;
                }
            }
        }
        return null;
    }

    private Violation metadataViolation(final JsonNode metadata, final String field) {
        if (metadata == null || !metadata.isObject()) {
            return null;
        }
        return metadataViolation(storedMetadataBytes(metadata), field);
    }

    /**
     * The violation of metadata whose stored JSON takes {@code bytes}, or {@code null}: for callers
     * that hold the stored form already.
     */
    public Violation metadataViolation(final long bytes, final String field) {
        return bytes <= metadataBytes ? null : new Violation(field, "metadata takes " + bytes
                + " bytes as stored JSON, over the limit of " + metadataBytes + " (vectorstream.limits."
                + METADATA_BYTES + ")");
    }

    private Violation textViolation(final JsonNode text, final String field) {
        return text == null || !text.isTextual() ? null : textViolation(text.asText(), field);
    }

    /** The violation of a chunk text, or {@code null}. */
    public Violation textViolation(final String text, final String field) {
        long bytes = utf8Length(text);
        return bytes <= textBytes ? null : new Violation(field, "text takes " + bytes + " bytes in UTF-8, over the "
                + "limit of " + textBytes + " (vectorstream.limits." + TEXT_BYTES + ")");
    }

    /**
     * The size of metadata as the stores keep it: the JSON Jackson writes for it as a map (what
     * records hold), in UTF-8.
     */
    static long storedMetadataBytes(final JsonNode metadata) {
        try {
            return Json.MAPPER.writeValueAsBytes(Json.MAPPER.treeToValue(metadata, Map.class)).length;
        } catch (JsonProcessingException e) {
            return 0; // not metadata the schema accepts: the schema says why
        }
    }

    /** The UTF-8 length of a string, without encoding it. */
    public static long utf8Length(final CharSequence s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3; // a lone surrogate is written as '?' by Java: 1 byte; 3 overestimates safely
            }
        }
        return bytes;
    }
}
