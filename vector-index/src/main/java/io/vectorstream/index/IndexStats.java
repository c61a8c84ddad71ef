package io.vectorstream.index;

/**
 * A report of one index.
 *
 * @param kind            {@code flat}, {@code ivf} or {@code lsh}
 * @param size            vectors held
 * @param trained         whether it is trained (IVF: has centroids; the others always are)
 * @param training        whether a training or build runs beside the writer, or is due and waits for
 *                        room to start (IVF's first training or a retraining, a graph build, LSH's
 *                        hashing after a load): the index answers meanwhile, as it did before or by
 *                        exact search
 * @param partitions      IVF lists or LSH tables (0 for flat)
 * @param memoryBytes     heap the index takes, vectors included
 * @param lastBuildMillis how long its last (re)build took, or 0
 */
public record IndexStats(String kind, int size, boolean trained, boolean training, int partitions,
                         long memoryBytes, long lastBuildMillis) {

    /** This report with {@code training} set. */
    public IndexStats withTraining() {
        return new IndexStats(kind, size, trained, true, partitions, memoryBytes, lastBuildMillis);
    }
}
