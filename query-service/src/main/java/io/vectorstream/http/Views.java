package io.vectorstream.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.index.IndexStats;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.schema.Json;
import io.vectorstream.service.Page;
import io.vectorstream.store.ShardQuery.DocumentStats;
import io.vectorstream.store.ShardQuery.LibraryStats;
import io.vectorstream.service.ShardReader;
import io.vectorstream.store.ShardQuery.ScoredChunk;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The JSON representations of stored records in API responses (schemas {@code *-response.json}). */
public final class Views {

    private Views() {
    }

    public static ObjectNode library(final LibraryStats stats) {
        LibraryRecord r = stats.library();
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", r.id());
        node.put("name", r.name());
        node.set("metadata", Json.tree(r.metadataJson()));
        node.put("dimension", r.dimension());
        node.put("metric", r.metric().wireName());
        node.set("index", Json.tree(r.indexJson()));
        if (r.model() != null) {
            node.put("model", r.model());
        }
        if (r.metadataSchemaJson() != null) {
            node.set("metadataSchema", Json.tree(r.metadataSchemaJson()));
        }
        node.put("documentCount", stats.documentCount());
        node.put("chunkCount", stats.chunkCount());
        return versioned(node, r.version(), r.createdAt(), r.updatedAt());
    }

    public static ObjectNode document(final DocumentStats stats) {
        var r = stats.document();
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", r.id());
        node.put("libraryId", r.libraryId());
        node.set("metadata", Json.tree(r.metadataJson()));
        node.put("chunkCount", stats.chunkCount());
        return versioned(node, r.version(), r.createdAt(), r.updatedAt());
    }

    /** A chunk with its embedding. */
    public static ObjectNode chunk(final ChunkRecord r) {
        return chunk(r, true);
    }

    /**
     * A chunk, with its embedding or without: listings leave it out unless asked, since a page of
     * 1,000 chunks of 4,096 dimensions would be about 40 MB of JSON.
     */
    public static ObjectNode chunk(final ChunkRecord r, final boolean withEmbedding) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", r.id());
        node.put("libraryId", r.libraryId());
        node.put("documentId", r.documentId());
        node.put("text", r.text());
        if (withEmbedding) {
            ArrayNode embedding = node.putArray("embedding");
            for (float v : r.vector()) {
                embedding.add(v);
            }
        }
        node.set("metadata", Json.tree(r.metadataJson()));
        return versioned(node, r.version(), r.createdAt(), r.updatedAt());
    }

    public static ObjectNode searchHit(final ScoredChunk hit) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("chunkId", hit.chunk().id());
        node.put("documentId", hit.chunk().documentId());
        node.put("score", hit.score());
        node.put("text", hit.chunk().text());
        node.set("metadata", Json.tree(hit.chunk().metadataJson()));
        return node;
    }

    /** A library's index in every shard ({@code GET /v1/libraries/{lib}/index}). */
    public static ObjectNode indexReport(final LibraryStats library, final Map<Integer, IndexStats> shards) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("libraryId", library.library().id());
        node.set("index", Json.tree(library.library().indexJson()));
        ArrayNode array = node.putArray("shards");
        shards.forEach((shard, stats) -> {
            ObjectNode s = array.addObject();
            s.put("shard", shard);
            s.put("kind", stats.kind());
            s.put("size", stats.size());
            s.put("trained", stats.trained());
            s.put("training", stats.training());
            s.put(stats.kind().equals("lsh") ? "tables" : "lists", stats.partitions());
            s.put("memoryBytes", stats.memoryBytes());
            s.put("lastBuildMillis", stats.lastBuildMillis());
        });
        return node;
    }

    public static <T> ObjectNode page(final Page<T> page, final Function<T, ObjectNode> view) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        ArrayNode items = node.putArray("items");
        page.items().forEach(item -> items.add(view.apply(item)));
        if (page.nextCursor() != null) {
            node.put("nextCursor", page.nextCursor());
        }
        return node;
    }

    public static ObjectNode search(final ShardReader.SearchResult result, final double tookMs) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        if (result.grouped()) {
            ArrayNode groups = node.putArray("groups");
            for (List<ScoredChunk> group : result.groups()) {
                ObjectNode g = groups.addObject().put("documentId", group.getFirst().chunk().documentId());
                ArrayNode hits = g.putArray("hits");
                group.forEach(hit -> hits.add(searchHit(hit)));
            }
        } else {
            ArrayNode results = node.putArray("results");
            result.answer().hits().forEach(hit -> results.add(searchHit(hit)));
        }
        node.put("index", result.answer().index());
        node.put("strategy", result.answer().strategy());
        node.put("exhaustive", result.answer().exhaustive());
        node.put("tookMs", Math.round(tookMs * 1000) / 1000.0);
        node.put("partial", result.partial());
        result.answered().forEach(node.putArray("answeredShards")::add);
        result.missing().forEach(node.putArray("missingShards")::add);
        if (result.partial()) {
            node.put("missingReason", result.why());
        }
        return node;
    }

    private static ObjectNode versioned(final ObjectNode node, final long version, final long createdAt,
                                        final long updatedAt) {
        node.put("version", version);
        node.put("createdAt", Instant.ofEpochMilli(createdAt).toString());
        node.put("updatedAt", Instant.ofEpochMilli(updatedAt).toString());
        return node;
    }
}
