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
import java.util.function.Predicate;

/**
 * A search filter over one shard's chunks, for one query: the index calls it for each candidate
 * it would keep; it reads the chunk's record (and its document's metadata, once per document) and
 * keeps what it read for {@link #recordOf}, so that an accepted hit is not read twice.
 * Not thread-safe: one query's scan.
 */
final class ChunkFilter implements Predicate<ChunkRef> {

    private final Filter filter;
    private final Function<ChunkRef, ChunkRecord> records;
    private final Function<String, String> documentMetadata;
    private final Map<ChunkRef, ChunkRecord> accepted = new HashMap<>();
    private final Map<String, JsonNode> documents = new HashMap<>();

    private ChunkFilter(final Filter filter, final Function<ChunkRef, ChunkRecord> records,
                        final Function<String, String> documentMetadata) {
        this.filter = filter;
        this.records = records;
        this.documentMetadata = documentMetadata;
    }

    /**
     * @param filterJson       a filter the caller has checked (a malformed one here is a bug)
     * @param records          a chunk's record, or null when it is gone
     * @param documentMetadata a document's metadata JSON, or null
     */
    static ChunkFilter of(final String filterJson, final Function<ChunkRef, ChunkRecord> records,
                          final Function<String, String> documentMetadata) {
        return new ChunkFilter(FilterParser.parse(Json.tree(filterJson), "filter"), records, documentMetadata);
    }

    /** Whether the chunk matches, keeping its record for {@link #recordOf} (a search's few hits). */
    @Override
    public boolean test(final ChunkRef ref) {
        ChunkRecord chunk = records.apply(ref);
        if (chunk == null || !filter.test(new Target(chunk))) {
            return false;
        }
        accepted.put(ref, chunk);
        return true;
    }

    /** Whether the chunk matches, keeping nothing (a count of many). */
    boolean matches(final ChunkRef ref) {
        ChunkRecord chunk = records.apply(ref);
        return chunk != null && filter.test(new Target(chunk));
    }

    /** The record of an accepted chunk, as it was tested. */
    ChunkRecord recordOf(final ChunkRef ref) {
        ChunkRecord chunk = accepted.get(ref);
        return chunk != null ? chunk : records.apply(ref);
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
