package io.vectorstream.schema;

import java.util.List;
import java.util.Map;

/**
 * A document as written: the body of {@code PUT .../documents/{doc}} and the payload of
 * {@code document.upserted} (schema {@code document.json}). When {@code chunks} is present the
 * document's chunks are replaced by these; when absent its chunks are kept.
 */
public record DocumentBody(String id, Map<String, Object> metadata, List<ChunkBody> chunks) {
}
