package io.vectorstream.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.index.SearchParams;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.service.EmbeddingService;
import io.vectorstream.service.Refusal;
import io.vectorstream.service.SearchAdmission;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.Validation;
import io.vectorstream.store.IndexSpecs;
import io.vectorstream.store.ShardQuery;

/**
 * Searches of one library as a request body asks them ({@code search-request.json}, already
 * checked against its schema): the query vector (given, embedded from text, or an example chunk's),
 * the filter, grouping and tuning, then the search across the shards and its answer as JSON.
 */
final class Searches {

    private final ShardReader reader;
    private final EmbeddingService embeddings;
    private final SearchAdmission admission;

    Searches(final ShardReader reader, final EmbeddingService embeddings, final SearchAdmission admission) {
        this.reader = reader;
        this.embeddings = embeddings;
        this.admission = admission;
    }

    /**
     * One search, checked and ready to run.
     *
     * @param query     what the shards are asked (one more result, or group and chunk per group,
     *                  when searching by example: the example itself is likely among the nearest)
     * @param k         the results (or groups) asked for
     * @param groupSize chunks per group; 0: not grouped
     * @param example   the chunk searched by example, left out of the answer; or null
     */
    record Prepared(ShardQuery.Knn query, int k, int groupSize, ChunkRecord example, boolean allowPartial,
                    long maxLagOffsets) {
    }

    /**
     * @throws ApiException or {@link Refusal} naming the field of the body that is wrong
     */
    Prepared prepare(final LibraryRecord library, final JsonNode body) {
        JsonNode like = body.get("like");
        ChunkRecord example = like == null ? null : reader.chunk(library.id(), like.get("documentId").asText(),
                like.get("chunkId").asText()).orElseThrow(() -> new ApiException(404, "not_found", "no chunk '"
                + like.get("chunkId").asText() + "' in document '" + like.get("documentId").asText() + "'", "like"));
        float[] vector = example != null ? example.vector()
                : body.hasNonNull("text") ? embeddings.embedQuery(library, body.get("text").asText(), "text")
                : Validation.requireVector(library, body.get("vector"), "vector");
        int k = body.hasNonNull("k") ? body.get("k").asInt() : 10;
        int groupSize = body.hasNonNull("groupBy") ? body.path("groupSize").asInt(1) : 0;
        // A graph library's shards each search with a narrower beam than one graph would: their
        // merged answer has one graph's recall at about half the work of the whole beam each.
        int ef = body.hasNonNull("ef") ? body.get("ef").asInt()
                : IndexSpecs.defaultEfPerShard(library.indexJson(), reader.shardCount());
        SearchParams params = new SearchParams(body.path("nprobe").asInt(0), body.path("probes").asInt(0),
                body.path("exact").asBoolean(false)).withEf(ef);
        long maxLag = body.hasNonNull("maxLagOffsets") ? body.get("maxLagOffsets").asLong() : reader.searchMaxLag();
        String filter = Requests.filter(body.get("filter"), library.metadataSchema());
        int extra = example == null ? 0 : 1;
        ShardQuery.Knn query = new ShardQuery.Knn(library.id(), vector, k + extra, params, filter,
                groupSize == 0 ? 0 : groupSize + extra);
        return new Prepared(query, k, groupSize, example, body.path("allowPartial").asBoolean(true), maxLag);
    }

    /**
     * Runs a prepared search in a place of its own ({@link SearchAdmission#single}).
     *
     * @throws Refusal 429 when the instance runs as many searches as it can
     */
    ObjectNode runSingle(final LibraryRecord library, final Prepared search, final long startNanos) {
        try (SearchAdmission.Place place = admission.single()) {
            return run(library, search, place, startNanos);
        }
    }

    /**
     * Runs a search of a batch in a place singles do not need ({@link SearchAdmission#batch}).
     *
     * @throws Refusal 429 when the places left are for single searches
     */
    ObjectNode runInBatch(final LibraryRecord library, final Prepared search, final long startNanos) {
        try (SearchAdmission.Place place = admission.batch()) {
            return run(library, search, place, startNanos);
        }
    }

    /** Runs a prepared search; its answer as {@code search-response.json}. */
    private ObjectNode run(final LibraryRecord library, final Prepared search, final SearchAdmission.Place place,
                           final long startNanos) {
        ShardReader.SearchResult result = reader.search(search.query(), library.metric(), search.allowPartial(),
                search.maxLagOffsets(), place);
        if (search.example() != null) {
            result = result.without(search.example().documentId(), search.example().id(), search.k(),
                    search.groupSize(), library.metric());
        }
        return Views.search(result, (System.nanoTime() - startNanos) / 1e6);
    }
}
