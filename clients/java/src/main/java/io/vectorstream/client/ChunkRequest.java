package io.vectorstream.client;

import java.util.Map;

/**
 * A chunk to write: its {@code id} (in a document's chunk list; a single chunk's comes from its
 * path), {@code text}, {@code embedding} (may be null in a library with a model: the stream
 * embeds the text) and {@code metadata} (strings, numbers, booleans, string lists).
 */
public record ChunkRequest(String id, String text, float[] embedding, Map<String, Object> metadata) {

    public static ChunkRequest text(final String id, final String text) {
        return new ChunkRequest(id, text, null, null);
    }

    public static ChunkRequest vector(final String id, final float... embedding) {
        return new ChunkRequest(id, null, embedding, null);
    }

    public ChunkRequest withText(final String newText) {
        return new ChunkRequest(id, newText, embedding, metadata);
    }

    public ChunkRequest withMetadata(final Map<String, Object> newMetadata) {
        return new ChunkRequest(id, text, embedding, newMetadata);
    }
}
