package io.vectorstream.client;

import java.util.Map;

/** A document as the service answers it. */
public record Document(String id, String libraryId, Map<String, Object> metadata, long chunkCount, long version,
                       String createdAt, String updatedAt) {
}
