package io.vectorstream.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.filter.Filter;
import io.vectorstream.schema.filter.FilterParser;
import io.vectorstream.schema.filter.FilterTarget;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A filter tested against a chunk's record (and its document's metadata, read once per
 * document): the check of a search's few results, which the {@link FieldIndex} found, against the
 * records they are answered with. Not thread-safe: one query's.
 */
final class ChunkFilter {

    private final Filter filter;
    private final Function<String, String> documentMetadata;
    private final Map<String, JsonNode> documents = new HashMap<>();

    /** @param documentMetadata a document's metadata JSON, or null */
    ChunkFilter(final Filter filter, final Function<String, String> documentMetadata) {
        this.filter = filter;
        this.documentMetadata = documentMetadata;
    }

    boolean test(final ChunkRecord chunk) {
        return filter.test(new Target(chunk));
    }

    private JsonNode document(final String documentId) {
        return documents.computeIfAbsent(documentId, id -> {
            String json = documentMetadata.apply(id);
            return json == null ? MissingNode.getInstance() : Json.tree(json);
        });
    }

    /** One chunk as the filter sees it; its metadata parsed on first use. */
    private final class Target implements FilterTarget {
        private final ChunkRecord chunk;
        private JsonNode metadata;

        Target(final ChunkRecord chunk) {
            this.chunk = chunk;
        }

        @Override
        public JsonNode field(final String name) {
            return switch (name) {
                case "id" -> TextNode.valueOf(chunk.id());
                case "documentId" -> TextNode.valueOf(chunk.documentId());
                default -> {
                    if (name.startsWith(FilterParser.DOCUMENT_PREFIX)) {
                        yield document(chunk.documentId()).path(name.substring(FilterParser.DOCUMENT_PREFIX.length()));
                    }
                    if (metadata == null) {
                        metadata = chunk.metadataJson() == null ? MissingNode.getInstance() : Json.tree(chunk.metadataJson());
                    }
                    yield metadata.path(name);
                }
            };
        }

        @Override
        public Instant time(final String name) {
            return switch (name) {
                case "createdAt" -> Instant.ofEpochMilli(chunk.createdAt());
                case "updatedAt" -> Instant.ofEpochMilli(chunk.updatedAt());
                default -> null;
            };
        }
    }
}
