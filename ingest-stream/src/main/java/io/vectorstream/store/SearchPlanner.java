package io.vectorstream.store;

import io.vectorstream.index.FlatIndex;
import io.vectorstream.index.Hit;
import io.vectorstream.index.OrdinalFilter;
import io.vectorstream.index.SearchParams;
import io.vectorstream.index.VectorIndex;
import java.util.List;
import org.roaringbitmap.RoaringBitmap;

/**
 * Plans one shard's k-NN search. Without a filter the index searches ({@link Strategy#INDEX}, or
 * {@link Strategy#EXACT} when it scans everything). With one, the plan follows from the size of
 * the filter's matches, which the {@link FieldIndex} knows before any vector is read:
 * <ul>
 *   <li>{@link Strategy#EXACT_MATCHES}: few match (or the index scans everything anyway and
 *       the matches are at most 30% of it): score exactly each match and nothing else;</li>
 *   <li>{@link Strategy#INDEX_FILTERED}: many match: the index searches with the matches as its
 *       allow-predicate, looking as much wider as the filter is selective (IVF probes more lists,
 *       LSH more buckets, the graph a wider beam) or, for IVF and LSH at selective filters,
 *       starting from the matches; when that still finds fewer than {@code min(k, matches)}, the matches
 *       are scored exactly instead. A filtered search never answers fewer than it could.</li>
 * </ul>
 */
public final class SearchPlanner {

    /** The strategies, as a search answer names them. */
    public enum Strategy {
        EXACT("exact"), INDEX("index"), EXACT_MATCHES("exact-matches"), INDEX_FILTERED("index-filtered");

        private final String label;

        Strategy(final String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * Up to this many matches are always scored exactly: cheaper than any index walk that has to
     * find them among the others.
     */
    static final int ALWAYS_EXACT_MATCHES = 2_000;
    /**
     * An index's share of matches up to which scoring the matches beats searching the index. Each
     * index's filtered search costs about what the matches cost, not what the whole shard does: IVF
     * goes from the matches to their lists and LSH ranks the matches by their hash codes (below
     * their own thresholds, {@code IvfSearcher.MATCH_SEARCH_SHARE} and {@code
     * LshIndex.MATCH_SEARCH_SHARE}), the graph widens its beam by 1 / s^0.75. Scoring the matches
     * exactly still wins while they are few (bench filter, real embeddings: IVF at 2,009 matches
     * exactly 5,900 q/s, through the lists 2,500; at a tenth of 195k the graph 1,059 q/s against
     * about 590 exactly, LSH 1,754 against 751).
     */
    static final double INDEX_EXACT_SHARE = 0.02;
    /**
     * An exact index's share up to which scoring the matches beats scanning all: a match, read
     * where it lies rather than streamed, costs two to three scanned vectors (bench filter: at
     * half of a flat shard, scoring the matches ran at 0.8x a whole scan; at a tenth, 3.2x).
     */
    static final double SCAN_EXACT_SHARE = 0.3;

    /** A search's index hits and how they were found. */
    public record Found(List<Hit<ChunkRef>> hits, Strategy strategy, boolean exhaustive) {
    }

    private SearchPlanner() {
    }

    /**
     * The {@code wanted} best matches (or all of them when fewer).
     *
     * @param matches the ordinals of the chunks the filter accepts ({@link FieldIndex#matches});
     *                null: no filter
     */
    public static Found search(final VectorIndex<ChunkRef> index, final FieldIndex fields, final RoaringBitmap matches,
                        final float[] query, final int wanted, final SearchParams params) {
        if (matches == null) {
            boolean exhaustive = scansAll(index, params);
            return new Found(index.search(query, wanted, params, null), exhaustive ? Strategy.EXACT : Strategy.INDEX,
                    exhaustive);
        }
        int count = matches.getCardinality();
        if (count == 0) {
            return new Found(List.of(), Strategy.EXACT_MATCHES, true);
        }
        boolean scansAll = scansAll(index, params);
        double share = count / (double) Math.max(1, index.size());
        if (count <= ALWAYS_EXACT_MATCHES || share <= exactMatchesShare(scansAll)) {
            return exactMatches(index, fields, matches, query, wanted);
        }
        SearchParams widened = scansAll ? SearchParams.EXACT : params.withSelectivity(share);
        List<Hit<ChunkRef>> hits = index.search(query, wanted, widened,
                new OrdinalFilter<>(ref -> fields.isAmong(ref, matches), () -> FieldIndex.ordinalsOf(matches),
                        matches::contains));
        if (!scansAll && hits.size() < Math.min(wanted, count)) {
            return exactMatches(index, fields, matches, query, wanted); // the index looked at part of the shard
        }
        return new Found(hits, Strategy.INDEX_FILTERED, scansAll);
    }

    private static double exactMatchesShare(final boolean scansAll) {
        return scansAll ? SCAN_EXACT_SHARE : INDEX_EXACT_SHARE;
    }

    /** Whether the index scores every vector for these parameters. */
    private static boolean scansAll(final VectorIndex<ChunkRef> index, final SearchParams params) {
        return params.exact() || !index.isTrained() || index instanceof FlatIndex;
    }

    private static Found exactMatches(final VectorIndex<ChunkRef> index, final FieldIndex fields,
                                      final RoaringBitmap matches, final float[] query, final int wanted) {
        return new Found(index.searchAmongOrdinals(query, wanted, () -> FieldIndex.ordinalsOf(matches)), Strategy.EXACT_MATCHES,
                true);
    }
}
