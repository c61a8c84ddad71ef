package io.vectorstream.index;

/**
 * Parameters of an {@link LshIndex}.
 *
 * @param tables L, the number of hash tables
 * @param bits   K, hash functions per table (bits of a SimHash code; p-stable hashes under l2)
 * @param probes buckets visited per table by default (1: only the query's own)
 * @param collisions in how many tables a vector must share a probed bucket with the query to be
 *               scored: a near neighbour collides in many, most other vectors in one
 * @param width  w, the bucket width of p-stable hashes (l2 only), in units of the data's typical
 *               distance; 0 chooses from the data
 * @param seed   randomness of the hash functions: the same seed gives the same hashes
 * @param sq8    keep 8-bit codes beside the vectors ({@link SlotCodes}) and score the candidates'
 *               codes, reading from the floats only those the codes' bounds cannot rule out: the
 *               same answers for a quarter of the bytes, which a filter's exact search over its
 *               matches gains most from
 */
public record LshParams(int tables, int bits, int probes, int collisions, double width, long seed, boolean sq8) {

    /**
     * 24 tables of 12 bits, 22 probes, candidates that collide at least twice: recall@10 0.91 at
     * 10-12x exact search on 195k real sentence embeddings, with hyperplanes through the data's mean
     * (docs/benchmarks.md). Through the origin, 14 bits and 40 probes did 0.90 at 8-9x.
     */
    public static final LshParams DEFAULT = new LshParams(24, 12, 22, 2, 0, 42, true);

    /**
     * The most hash tables a library may ask for: each costs about 12 bytes per vector and
     * {@code bits x d} multiply-adds per insert and query (64 tables: 768 MB at a million vectors).
     */
    public static final int MAX_TABLES = 64;
    /** Buckets visited per table at most, as a search may ask for. */
    public static final int MAX_PROBES = 10_000;

    /**
     * Projection values ({@code tables x bits x dimension}) an index may hold: 4,194,304 floats,
     * 16 MiB in every shard, allocated when the library is created, before it holds a vector. The
     * largest tables and bits at 4,096 dimensions would take 65 MiB per shard.
     */
    public static final long MAX_PROJECTION_VALUES = 1L << 22;

    /**
     * Checks that this index's projections fit {@link #MAX_PROJECTION_VALUES} at {@code dimension}.
     *
     * @throws InvalidIndexParameter naming {@code tables} when they do not
     */
    public void requireFits(final int dimension) {
        long values = (long) tables * bits * dimension;
        if (values > MAX_PROJECTION_VALUES) {
            throw new InvalidIndexParameter("tables", "tables x bits x dimension is " + tables + " x " + bits + " x "
                    + dimension + " = " + values + " projection values, past " + MAX_PROJECTION_VALUES
                    + " (16 MiB in every shard): ask for fewer tables or bits");
        }
    }

    public LshParams {
        InvalidIndexParameter.requireRange("tables", tables, 1, MAX_TABLES);
        InvalidIndexParameter.requireRange("bits", bits, 1, 62);
        InvalidIndexParameter.requireRange("probes", probes, 1, MAX_PROBES);
        InvalidIndexParameter.requireRange("collisions", collisions, 1, tables);
        InvalidIndexParameter.requireRange("width", width, 0, true, Float.MAX_VALUE);
    }
}
