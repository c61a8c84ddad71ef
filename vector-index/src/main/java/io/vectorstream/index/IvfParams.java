package io.vectorstream.index;

/**
 * Parameters of an {@link IvfIndex}. Zero means "choose": nlist = 4 * sqrt(n) at training time,
 * nprobe = 8% of nlist.
 *
 * @param nlist           inverted lists
 * @param nprobe          lists a query scans by default
 * @param trainThreshold  vectors before the first training; below it every search is exact
 * @param retrainGrowth   retrain when the index has grown to this many times its training size
 * @param samplePerList   k-means trains on at most this many vectors per list
 * @param iterations      Lloyd iterations at most
 * @param seed            randomness of sampling and seeding
 * @param sq8             scan 8-bit codes of the vectors ({@link ScalarQuantizer}) and re-rank exactly
 * @param rerank          with sq8, how many candidates per result to re-rank exactly (at least k * rerank)
 */
public record IvfParams(int nlist, int nprobe, int trainThreshold, double retrainGrowth, int samplePerList,
                        int iterations, long seed, boolean sq8, int rerank) {

    public static final IvfParams DEFAULT = new IvfParams(0, 0, 10_000, 2.0, 24, 6, 42, true, 8);

    /**
     * The most lists a library may ask for. Training runs on the stream thread and costs about
     * (iterations + 1) x samplePerList x nlist^2 x d; at these ceilings that is minutes, within the
     * 20 minutes a stream thread may go without polling before Kafka takes its partitions away
     * (and the training would start over elsewhere, forever). The default, 4 x sqrt(n), reaches
     * 4,096 at a shard of a million vectors.
     */
    public static final int MAX_NLIST = 4_096;
    /** k-means' sample per list at most (faiss warns below 39 and samples 256 at most). */
    public static final int MAX_SAMPLE_PER_LIST = 64;
    /**
     * The least growth that retrains: a training costs a pass over every vector, so retraining at
     * each 1.5-fold growth costs about three passes over the final size in all, while a growth
     * near 1 (with a training threshold of 1) would retrain at every insert.
     */
    public static final double MIN_RETRAIN_GROWTH = 1.5;
    /** Lloyd iterations at most; training stops earlier once fewer than 0.1% of points move. */
    public static final int MAX_ITERATIONS = 10;

    public IvfParams {
        InvalidIndexParameter.requireRange("nlist", nlist, 0, MAX_NLIST);
        InvalidIndexParameter.requireRange("nprobe", nprobe, 0, MAX_NLIST);
        InvalidIndexParameter.requireRange("trainThreshold", trainThreshold, 1, Integer.MAX_VALUE);
        InvalidIndexParameter.requireRange("retrainGrowth", retrainGrowth, MIN_RETRAIN_GROWTH, true, 1_000);
        InvalidIndexParameter.requireRange("samplePerList", samplePerList, 1, MAX_SAMPLE_PER_LIST);
        InvalidIndexParameter.requireRange("iterations", iterations, 1, MAX_ITERATIONS);
        InvalidIndexParameter.requireRange("rerank", rerank, 1, 1_000);
    }

    public IvfParams withNlist(final int n) {
        return new IvfParams(n, nprobe, trainThreshold, retrainGrowth, samplePerList, iterations, seed, sq8, rerank);
    }

    public IvfParams withNprobe(final int n) {
        return new IvfParams(nlist, n, trainThreshold, retrainGrowth, samplePerList, iterations, seed, sq8, rerank);
    }

    public IvfParams withTrainThreshold(final int n) {
        return new IvfParams(nlist, nprobe, n, retrainGrowth, samplePerList, iterations, seed, sq8, rerank);
    }

    public IvfParams withSq8(final boolean on) {
        return new IvfParams(nlist, nprobe, trainThreshold, retrainGrowth, samplePerList, iterations, seed, on, rerank);
    }
}
