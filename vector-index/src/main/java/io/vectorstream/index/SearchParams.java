package io.vectorstream.index;

/**
 * Per-query tuning. Zero means "the index's default".
 *
 * @param nprobe      IVF: how many inverted lists to scan
 * @param probes      LSH: how many buckets to visit per table (1 = only the query's own)
 * @param exact       search every vector exactly, whatever the index
 * @param selectivity the share of the vectors the search's allow-predicate accepts, in (0, 1] (1:
 *                    no filter): an index looks wider for it (IVF probes more lists, see
 *                    {@code IvfSearcher.MATCH_WIDENING}; LSH visits more buckets and the graph
 *                    widens its beam, see {@link #widened})
 * @param ef          HNSW: the beam of the search on the ground layer (at least k)
 */
public record SearchParams(int nprobe, int probes, boolean exact, double selectivity, int ef) {

    public static final SearchParams DEFAULT = new SearchParams(0, 0, false);
    public static final SearchParams EXACT = new SearchParams(0, 0, true);

    public SearchParams {
        if (nprobe < 0 || probes < 0 || ef < 0) {
            throw new IllegalArgumentException("nprobe, probes and ef must not be negative");
        }
        if (!(selectivity > 0 && selectivity <= 1)) {
            throw new IllegalArgumentException("selectivity must be in (0, 1], not " + selectivity);
        }
    }

    /** Without a filter. */
    public SearchParams(final int nprobe, final int probes, final boolean exact) {
        this(nprobe, probes, exact, 1.0, 0);
    }

    /** With a filter that accepts {@code selectivity} of the vectors. */
    public SearchParams(final int nprobe, final int probes, final boolean exact, final double selectivity) {
        this(nprobe, probes, exact, selectivity, 0);
    }

    /** These parameters with HNSW's beam {@code beam}. */
    public SearchParams withEf(final int beam) {
        return new SearchParams(nprobe, probes, exact, selectivity, beam);
    }

    /** These parameters for a search whose filter accepts {@code share} of the vectors. */
    public SearchParams withSelectivity(final double share) {
        return new SearchParams(nprobe, probes, exact, Math.min(1.0, Math.max(share, Double.MIN_NORMAL)), ef);
    }

    /**
     * {@code base} structures to visit widened for the selectivity s, {@code base / s^exponent},
     * at most {@code max}: a filtered search's k best lie about as deep among all vectors as an
     * unfiltered search's k / s (exponent 1), but for a graph's beam or IVF's lists the nearer ones
     * sit where the search looks first more often than a share s says, so less widening keeps the
     * recall (the graph uses 0.75, as IVF's lists do above 30%, {@code IvfSearcher.SCAN_WIDENING}).
     */
    int widened(final int base, final int max, final double exponent) {
        return (int) Math.min(max, Math.ceil(base / Math.pow(selectivity, exponent)));
    }
}
