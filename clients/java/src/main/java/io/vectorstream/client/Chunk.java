package io.vectorstream.client;

import java.util.Map;

/** A chunk as the service answers it; {@code embedding} is null in listings that did not ask for it. */
public record Chunk(String id, String documentId, String libraryId, String text, float[] embedding,
                    Map<String, Object> metadata, long version, String createdAt, String updatedAt) {
}
