package io.vectorstream.index;

/**
 * Per-query tuning. Zero means "the index's default".
 *
 * @param nprobe IVF: how many inverted lists to scan
 * @param probes LSH: how many buckets to visit per table (1 = only the query's own bucket)
 * @param exact  search every vector exactly, whatever the index
 */
public record SearchParams(int nprobe, int probes, boolean exact) {

    public static final SearchParams DEFAULT = new SearchParams(0, 0, false);
    public static final SearchParams EXACT = new SearchParams(0, 0, true);

    public SearchParams {
        if (nprobe < 0 || probes < 0) {
            throw new IllegalArgumentException("nprobe and probes must not be negative");
        }
    }
}
