package io.vectorstream.store;

import io.vectorstream.index.IndexStats;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.DocumentRecord;
import io.vectorstream.record.LibraryRecord;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.query.Query;

/**
 * The interactive (IQv2) queries the shard store answers. Kafka Streams' metered, caching and
 * change-logging layers have no handler for these classes and pass them to the shard store, which
 * answers with plain Java objects.
 *
 * @param <R> the result of one shard
 */
public sealed interface ShardQuery<R> extends Query<R> {

    /**
     * Whether answering works through a shard's chunks or index (a search, a count), so that a
     * caller asking several shards gains by asking them at once; lookups take microseconds.
     */
    default boolean scans() {
        return false;
    }

    /** A library with this shard's counts of its documents and chunks. */
    record LibraryStats(LibraryRecord library, int documentCount, int chunkCount) {
    }

    /** A document with this shard's count of its chunks (a document lives in one shard). */
    record DocumentStats(DocumentRecord document, int chunkCount) {
    }

    /** A search hit. */
    record ScoredChunk(ChunkRecord chunk, float score) {

        /**
         * Best first by the metric (cosine and dot: higher is closer; l2 distance: lower is), equal
         * scores in the order of document and chunk id: the same hits give the same list whichever
         * instance or shard orders them.
         */
        public static Comparator<ScoredChunk> order(final Metric metric) {
            Comparator<ScoredChunk> byScore = Comparator.comparingDouble(ScoredChunk::score);
            return (metric == Metric.L2 ? byScore : byScore.reversed())
                    .thenComparing(hit -> hit.chunk().documentId())
                    .thenComparing(hit -> hit.chunk().id());
        }
    }

    /**
     * A shard's search answer (or several merged).
     *
     * @param index      what answered: the library's index kind, or {@code flat} when the search was exact
     * @param strategy   how: {@code exact} or {@code index} without a filter; with one,
     *                   {@code exact-matches} (every match scored) or {@code index-filtered} (the index
     *                   searched with the filter); merged answers join theirs with {@code +}
     * @param exhaustive whether every chunk that could be a result was considered
     */
    record KnnAnswer(List<ScoredChunk> hits, String index, String strategy, boolean exhaustive) {
    }

    /**
     * The {@code k} chunks of a library closest to {@code vector} that match the filter, best first;
     * or, grouped, the {@code k} documents with the closest chunks, each with its {@code groupSize}
     * best (a group's hits one after the other, groups best first; a document lives in one shard).
     *
     * @param filterJson a filter ({@link io.vectorstream.schema.filter.FilterParser}) as JSON, checked
     *                   by the caller; null: every chunk
     * @param groupSize  chunks per document when grouped by document; 0: not grouped
     */
    record Knn(String libraryId, float[] vector, int k, SearchParams params, String filterJson, int groupSize)
            implements ShardQuery<KnnAnswer> {

        /** Without a filter. */
        public Knn(final String libraryId, final float[] vector, final int k, final SearchParams params) {
            this(libraryId, vector, k, params, null, 0);
        }

        /** Not grouped. */
        public Knn(final String libraryId, final float[] vector, final int k, final SearchParams params,
                   final String filterJson) {
            this(libraryId, vector, k, params, filterJson, 0);
        }

        @Override
        public boolean scans() {
            return true;
        }
    }

    /** How many of a library's chunks in this shard match the filter (null: all of them). */
    record Count(String libraryId, String filterJson) implements ShardQuery<Long> {

        @Override
        public boolean scans() {
            return filterJson != null;
        }
    }

    /** The state of a library's index in this shard, if the shard has the library. */
    record IndexReport(String libraryId) implements ShardQuery<Optional<IndexStats>> {
    }

    /** One library. */
    record GetLibrary(String libraryId) implements ShardQuery<Optional<LibraryStats>> {
    }

    /** Libraries in id order, starting after {@code afterId} ({@code null}: from the first). */
    record ListLibraries(String afterId, int limit) implements ShardQuery<List<LibraryStats>> {
    }

    /** One document. */
    record GetDocument(String libraryId, String documentId) implements ShardQuery<Optional<DocumentStats>> {
    }

    /** A library's documents in id order, after {@code afterId}. */
    record ListDocuments(String libraryId, String afterId, int limit) implements ShardQuery<List<DocumentStats>> {
    }

    /** One chunk. */
    record GetChunk(String libraryId, String documentId, String chunkId) implements ShardQuery<Optional<ChunkRecord>> {
    }

    /** A document's chunks in id order, after {@code afterId}. */
    record ListChunks(String libraryId, String documentId, String afterId, int limit)
            implements ShardQuery<List<ChunkRecord>> {
    }

    /** The highest offset of each events-topic partition this shard has applied (read-your-writes). */
    record Watermarks() implements ShardQuery<Map<Integer, Long>> {
    }
}
