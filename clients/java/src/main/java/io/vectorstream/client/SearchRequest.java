package io.vectorstream.client;

import java.util.Map;

/**
 * A search: by {@code vector}, {@code text} (embedded by the library's model) or {@code like} (a
 * stored chunk's vector, the chunk left out), with {@code k}, an optional {@code filter} in the
 * filter language ({@code Map.of("year", Map.of("$gte", 2020))}), grouping and tuning. Null fields
 * are left out: the service's defaults apply.
 */
public record SearchRequest(float[] vector, String text, Like like, Integer k, Map<String, Object> filter,
                            String groupBy, Integer groupSize, Integer nprobe, Integer probes, Integer ef,
                            Boolean exact, Boolean allowPartial, Long maxLagOffsets) {

    /** The chunk a search by example starts from. */
    public record Like(String documentId, String chunkId) {
    }

    public static SearchRequest vector(final float... vector) {
        return new SearchRequest(vector, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static SearchRequest text(final String text) {
        return new SearchRequest(null, text, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static SearchRequest like(final String documentId, final String chunkId) {
        return new SearchRequest(null, null, new Like(documentId, chunkId), null, null, null, null, null, null, null,
                null, null, null);
    }

    public SearchRequest k(final int newK) {
        return new SearchRequest(vector, text, like, newK, filter, groupBy, groupSize, nprobe, probes, ef, exact,
                allowPartial, maxLagOffsets);
    }

    public SearchRequest filter(final Map<String, Object> newFilter) {
        return new SearchRequest(vector, text, like, k, newFilter, groupBy, groupSize, nprobe, probes, ef, exact,
                allowPartial, maxLagOffsets);
    }

    /** The best documents, each with its best {@code size} chunks. */
    public SearchRequest groupByDocument(final int size) {
        return new SearchRequest(vector, text, like, k, filter, "documentId", size, nprobe, probes, ef, exact,
                allowPartial, maxLagOffsets);
    }

    /** IVF's lists probed. */
    public SearchRequest nprobe(final int lists) {
        return new SearchRequest(vector, text, like, k, filter, groupBy, groupSize, lists, probes, ef, exact,
                allowPartial, maxLagOffsets);
    }

    /** LSH's buckets probed per table. */
    public SearchRequest probes(final int buckets) {
        return new SearchRequest(vector, text, like, k, filter, groupBy, groupSize, nprobe, buckets, ef, exact,
                allowPartial, maxLagOffsets);
    }

    /** The graph index's beam ({@code hnsw}): wider finds more of the true nearest, slower. */
    public SearchRequest ef(final int beam) {
        return new SearchRequest(vector, text, like, k, filter, groupBy, groupSize, nprobe, probes, beam, exact,
                allowPartial, maxLagOffsets);
    }

    /** Exact search whatever the index. */
    public SearchRequest exact(final boolean always) {
        return new SearchRequest(vector, text, like, k, filter, groupBy, groupSize, nprobe, probes, ef, always,
                allowPartial, maxLagOffsets);
    }

    /** With several instances: false makes a shard that cannot answer a 503 instead of a partial answer. */
    public SearchRequest allowPartial(final boolean allowed) {
        return new SearchRequest(vector, text, like, k, filter, groupBy, groupSize, nprobe, probes, ef, exact,
                allowed, maxLagOffsets);
    }
}
