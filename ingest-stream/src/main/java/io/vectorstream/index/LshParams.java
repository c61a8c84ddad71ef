package io.vectorstream.index;

/**
 * Parameters of an {@link LshIndex}.
 *
 * @param tables L, the number of hash tables
 * @param bits   K, hash functions per table (bits of a SimHash code; p-stable hashes under l2)
 * @param probes buckets visited per table by default (1: only the query's own)
 * @param width  w, the bucket width of p-stable hashes (l2 only), in units of the data's typical
 *               distance; 0 chooses from the data
 * @param seed   randomness of the hash functions: the same seed gives the same hashes
 */
public record LshParams(int tables, int bits, int probes, double width, long seed) {

    public static final LshParams DEFAULT = new LshParams(24, 14, 24, 0, 42);

    public LshParams {
        if (tables < 1 || bits < 1 || bits > 62 || probes < 1 || width < 0) {
            throw new IllegalArgumentException("invalid LSH parameters");
        }
    }
}
