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

    public IvfParams {
        if (nlist < 0 || nprobe < 0 || trainThreshold < 1 || retrainGrowth <= 1 || samplePerList < 1
                || iterations < 1 || rerank < 1 || rerank > 1_000) {
            throw new IllegalArgumentException("invalid IVF parameters");
        }
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
