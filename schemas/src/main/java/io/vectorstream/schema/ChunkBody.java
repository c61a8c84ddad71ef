package io.vectorstream.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A chunk as written: the body of {@code PUT .../chunks/{chunk}}, an item of a document's
 * {@code chunks}, and the payload of {@code chunk.upserted} (schema {@code chunk.json}). The
 * embedding stays a JSON node here: an array of numbers or base64 of little-endian float32
 * ({@link Embeddings#decode}).
 */
public record ChunkBody(String id, String text, JsonNode embedding, Map<String, Object> metadata) {

    /** The same chunk under the id its event names. */
    public ChunkBody withId(final String chunkId) {
        return new ChunkBody(chunkId, text, embedding, metadata);
    }
}
