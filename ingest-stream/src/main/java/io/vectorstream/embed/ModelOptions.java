package io.vectorstream.embed;

import java.util.Locale;
import java.util.Optional;

/**
 * How the models of an instance run ({@code model.*} and {@code embedding-cache.entries} of the
 * configuration).
 *
 * @param precision    the precision asked for, or empty for the fastest this CPU runs natively
 * @param batch        texts per forward pass
 * @param threads      threads per PyTorch operation (PyTorch keeps one such setting per process)
 * @param cacheEntries vectors an embedding cache keeps per model; Chronicle Map allocates the whole
 *                     file up front, about 1.6 KiB per entry at 384 dimensions
 */
public record ModelOptions(Optional<Precision> precision, int batch, int threads, long cacheEntries) {

    /**
     * Texts per forward pass unless configured. Larger batches are not faster on a small CPU: past
     * about 16 short texts the intermediate tensors leave the L2 cache (docs/benchmarks.md).
     */
    public static final int DEFAULT_BATCH = 16;
    /** One thread per operation: several callers (stream threads, HTTP threads) already run in parallel. */
    public static final int DEFAULT_THREADS = 1;
    public static final ModelOptions DEFAULT = new ModelOptions(Optional.empty(), DEFAULT_BATCH, DEFAULT_THREADS,
            200_000);

    public ModelOptions {
        if (batch < 1 || threads < 1 || cacheEntries < 0) {
            throw new IllegalArgumentException("batch and threads must be at least 1 and cache entries at least 0,"
                    + " were " + batch + ", " + threads + " and " + cacheEntries);
        }
    }

    /** These options with another cache size. */
    public ModelOptions withCacheEntries(final long entries) {
        return new ModelOptions(precision, batch, threads, entries);
    }

    /**
     * A precision as configured: {@code auto} (empty), {@code float32} or {@code bfloat16}.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Optional<Precision> parsePrecision(final String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> Optional.empty();
            case "float32" -> Optional.of(Precision.FLOAT32);
            case "bfloat16" -> Optional.of(Precision.BFLOAT16);
            default -> throw new IllegalArgumentException("must be auto, float32 or bfloat16, was '" + value + "'");
        };
    }
}
