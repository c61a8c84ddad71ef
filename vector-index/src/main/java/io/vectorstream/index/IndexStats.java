package io.vectorstream.index;

/**
 * A report of one index.
 *
 * @param kind            {@code flat}, {@code ivf} or {@code lsh}
 * @param size            vectors held
 * @param trained         whether it is trained (IVF: has centroids; the others always are)
 * @param partitions      IVF lists or LSH tables (0 for flat)
 * @param memoryBytes     heap the index takes, vectors included
 * @param lastBuildMillis how long its last (re)build took, or 0
 */
public record IndexStats(String kind, int size, boolean trained, int partitions, long memoryBytes,
                         long lastBuildMillis) {
}
