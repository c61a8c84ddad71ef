package io.vectorstream.client;

import java.util.List;
import java.util.Map;

/** A document to write: its metadata and, when not null, the chunks that replace all of its chunks. */
public record DocumentRequest(Map<String, Object> metadata, List<ChunkRequest> chunks) {

    public static DocumentRequest of(final Map<String, Object> metadata, final List<ChunkRequest> chunks) {
        return new DocumentRequest(metadata, chunks);
    }
}
