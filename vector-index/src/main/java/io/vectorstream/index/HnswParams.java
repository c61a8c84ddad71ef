package io.vectorstream.index;

/**
 * Parameters of an {@link HnswIndex}.
 *
 * @param m              links per node and layer above the ground layer (twice as many on it): more
 *                       links, better recall and more memory (4 bytes each) and build time
 * @param efConstruction the beam of the search that finds a new node's neighbours: the graph's quality
 *                       against its build time
 * @param efSearch       the default beam of a query (at least its k): recall against speed; a query
 *                       may set its own ({@link SearchParams#ef})
 */
public record HnswParams(int m, int efConstruction, int efSearch) {

    /**
     * m 16, efConstruction 80, efSearch 64: on 195k real sentence embeddings recall@10 0.950 at
     * the default ef, 2.5x the queries per second of Lucene's HNSW (m 16, beam 100) at that
     * recall, built in under a minute; efConstruction 100 gives 0.959 at ef 64 for a fifth more
     * build time (docs/benchmarks.md).
     */
    public static final HnswParams DEFAULT = new HnswParams(16, 80, 64);

    /** Links per node at most (Lucene caps its m at 512; beyond 64 the gains stop on text embeddings). */
    public static final int MAX_M = 64;
    /** The widest beam, for a build or a query. */
    public static final int MAX_EF = 4_096;

    public HnswParams {
        InvalidIndexParameter.requireRange("m", m, 2, MAX_M);
        InvalidIndexParameter.requireRange("efConstruction", efConstruction, 1, MAX_EF);
        InvalidIndexParameter.requireRange("efSearch", efSearch, 1, MAX_EF);
    }

    /**
     * The default beam of each of {@code shards} graphs whose answers are merged (a library's
     * shards, each with a graph of its own): efSearch / shards^(1/4). Each shard holds only a
     * share of a query's nearest, its best-ranked ones, which a narrower beam finds as well; with
     * the whole efSearch each, the shards' merged answer is better than one graph's at a multiple
     * of its work. On 195k real embeddings over three shards (bench ann --shards 3): ef 48 each
     * gives recall@10 0.950, one graph's at ef 64, at 2.1x the speed of ef 64 each (0.960).
     */
    public static int efPerShard(final int efSearch, final int shards) {
        return shards <= 1 ? efSearch : Math.max(1, (int) Math.ceil(efSearch / Math.pow(shards, 0.25)));
    }
}
