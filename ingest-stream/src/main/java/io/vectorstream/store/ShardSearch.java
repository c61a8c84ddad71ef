package io.vectorstream.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.index.Hit;
import io.vectorstream.index.SearchParams;
import io.vectorstream.index.VectorIndex;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.filter.Filter;
import io.vectorstream.schema.filter.FilterException;
import io.vectorstream.schema.filter.FilterParser;
import io.vectorstream.schema.filter.MetadataSchema;
import io.vectorstream.store.ShardQuery.KnnAnswer;
import io.vectorstream.store.ShardQuery.ScoredChunk;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.function.Function;
import org.roaringbitmap.RoaringBitmap;

/**
 * Answers a {@link ShardQuery.Knn} from one library shard: the filter's matches from the
 * {@link FieldIndex}, the search the {@link SearchPlanner} picks, the hits' records (checked
 * against the filter once more), and, grouped by document, the best documents with their best
 * chunks each.
 */
final class ShardSearch {

    /** Extra index hits a query asks for, to stand in for chunks deleted meanwhile. */
    static final int DELETED_MARGIN = 4;

    private final LibraryShard shard;
    private final Function<ChunkRef, ChunkRecord> records;
    private final Function<String, String> documentMetadata;

    /**
     * @param records          a chunk's record, or null when it is gone
     * @param documentMetadata a document's metadata JSON, or null
     */
    ShardSearch(final LibraryShard shard, final Function<ChunkRef, ChunkRecord> records,
                final Function<String, String> documentMetadata) {
        this.shard = shard;
        this.records = records;
        this.documentMetadata = documentMetadata;
    }

    /** The shard's answer; an empty one while it has no index for vectors of the query's dimension. */
    static KnnAnswer empty() {
        return new KnnAnswer(List.of(), "flat", SearchPlanner.Strategy.EXACT.label(), true);
    }

    /**
     * A query's filter, which the caller checked, with the fields the library's metadata schema
     * declares typed (a {@code timestamp} compares as instants). The caller checked it against
     * the schema as it read it; should this shard already have another, the filter is taken as the
     * language has it.
     */
    static Filter filter(final String filterJson, final LibraryRecord library) {
        JsonNode json = Json.tree(filterJson);
        try {
            return FilterParser.parse(json, "filter", library == null ? MetadataSchema.NONE : library.metadataSchema());
        } catch (FilterException schemaChangedMeanwhile) {
            return FilterParser.parse(json, "filter");
        }
    }

    KnnAnswer answer(final ShardQuery.Knn q, final VectorIndex<ChunkRef> index) {
        Filter filter = q.filterJson() == null ? null : filter(q.filterJson(), shard.library());
        RoaringBitmap matches = filter == null ? null : shard.fields().matches(filter);
        ChunkFilter check = filter == null ? null : new ChunkFilter(filter, documentMetadata);
        if (q.groupSize() > 0) {
            return grouped(q, index, matches, check);
        }
        SearchPlanner.Found found = SearchPlanner.search(index, shard.fields(), matches, q.vector(),
                q.k() + DELETED_MARGIN, q.params());
        return answer(records(found.hits(), check, q.k()), found, index);
    }

    /** What answered: the index kind where it searched approximately, {@code flat} where every candidate was scored. */
    private static KnnAnswer answer(final List<ScoredChunk> hits, final SearchPlanner.Found found,
                                    final VectorIndex<ChunkRef> index) {
        return new KnnAnswer(hits, found.exhaustive() ? "flat" : index.kind(), found.strategy().label(),
                found.exhaustive());
    }

    /**
     * The best {@code k} documents, each with its best {@code groupSize} chunks that match: the
     * search asks for more hits until they name {@code k} documents or every candidate was seen
     * (at last exactly); each chosen document's chunks are then scored exactly, so a group holds its
     * document's best chunks even where the search met only one of them.
     */
    private KnnAnswer grouped(final ShardQuery.Knn q, final VectorIndex<ChunkRef> index, final RoaringBitmap matches,
                              final ChunkFilter check) {
        int size = index.size();
        int wanted = (int) Math.min(Math.max(1, size), (long) q.k() * q.groupSize() + DELETED_MARGIN);
        SearchParams params = q.params();
        SearchPlanner.Found found;
        Set<String> documents;
        while (true) {
            found = SearchPlanner.search(index, shard.fields(), matches, q.vector(), wanted, params);
            documents = documentsOf(found.hits(), q.k());
            boolean seenAll = found.exhaustive() && (found.hits().size() < wanted || wanted >= size);
            if (documents.size() >= q.k() || seenAll) {
                break;
            }
            if (wanted >= size) {
                params = SearchParams.EXACT; // the index found too few documents: every chunk, once
            } else {
                wanted = (int) Math.min(size, wanted * 4L);
            }
        }
        List<List<ScoredChunk>> groups = new ArrayList<>();
        for (String documentId : documents) {
            List<ScoredChunk> group = records(index.searchAmong(q.vector(), q.groupSize() + DELETED_MARGIN,
                    chunksOf(documentId, matches)), check, q.groupSize());
            if (!group.isEmpty()) {
                groups.add(group);
            }
        }
        var order = ScoredChunk.order(index.metric());
        groups.sort((a, b) -> order.compare(a.getFirst(), b.getFirst()));
        List<ScoredChunk> hits = new ArrayList<>();
        groups.forEach(hits::addAll);
        return answer(hits, found, index);
    }

    private static Set<String> documentsOf(final List<Hit<ChunkRef>> hits, final int k) {
        Set<String> documents = new LinkedHashSet<>();
        for (Hit<ChunkRef> hit : hits) {
            if (documents.size() == k) {
                break;
            }
            documents.add(hit.key().documentId());
        }
        return documents;
    }

    /** A document's chunks in this shard that match ({@code matches} null: all). */
    private List<ChunkRef> chunksOf(final String documentId, final RoaringBitmap matches) {
        NavigableSet<String> chunkIds = shard.documents().get(documentId);
        List<ChunkRef> out = new ArrayList<>();
        if (chunkIds != null) {
            for (String chunkId : chunkIds) {
                ChunkRef ref = new ChunkRef(documentId, chunkId);
                if (matches == null || shard.fields().isAmong(ref, matches)) {
                    out.add(ref);
                }
            }
        }
        return out;
    }

    /**
     * The records of the first {@code limit} hits that are still there (a chunk deleted between the
     * index scan and this read is skipped: the search asked for a few more) and, with a filter,
     * still match it (one rewritten meanwhile may not).
     */
    private List<ScoredChunk> records(final List<Hit<ChunkRef>> hits, final ChunkFilter check, final int limit) {
        List<ScoredChunk> out = new ArrayList<>(Math.min(limit, hits.size()));
        for (Hit<ChunkRef> hit : hits) {
            if (out.size() == limit) {
                break;
            }
            ChunkRecord chunk = records.apply(hit.key());
            if (chunk != null && (check == null || check.test(chunk))) {
                out.add(new ScoredChunk(chunk, hit.score()));
            }
        }
        return out;
    }
}
