package io.vectorstream.client;

import java.util.Map;

/** A library as the service answers it; times are RFC 3339, {@code version} the offset of its last event. */
public record Library(String id, String name, Map<String, Object> metadata, int dimension, String metric,
                      IndexSpec index, String model, Map<String, String> metadataSchema, long documentCount,
                      long chunkCount, long version, String createdAt, String updatedAt) {
}
