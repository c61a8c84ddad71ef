package io.vectorstream.index;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

/**
 * Computes an IVF training from a set of vectors: k-means on a sample, the quantiser (with sq8),
 * the list of every vector, and the drift baseline {@link RetrainPolicy} compares against. Holds
 * only final, immutable state, so a training may run on any thread (beside the writer, see
 * {@link PendingTraining}); it never touches the index it is for.
 */
final class IvfTrainer {

    /** What a training computed; the assignment is of the given vectors, in order. */
    record Computed(float[] centroids, int nlist, int[] assignment, ScalarQuantizer quantizer, double residual) {
    }

    private final int dimension;
    private final Metric metric;
    private final IvfParams params;

    IvfTrainer(final int dimension, final Metric metric, final IvfParams params) {
        this.dimension = dimension;
        this.metric = metric;
        this.params = params;
    }

    /**
     * k-means on a sample of {@code live}, the quantiser, every vector's list, and the residual
     * the retraining policy compares against.
     *
     * @param abandoned whether to stop (between k-means iterations) because nobody will install it
     * @throws CancellationException when it stopped so
     */
    Computed compute(final LiveVectors live, final BooleanSupplier abandoned) {
        float[][] all = live.vectors();
        int n = all.length;
        int nlist = params.nlist() > 0 ? params.nlist() : Math.max(1, (int) Math.round(4 * Math.sqrt(n)));
        nlist = Math.min(nlist, n);
        // A tenth of the vectors always stays out of the sample: the drift baseline is measured on them.
        float[][] sample = sample(Arrays.asList(all), Math.min(n - n / 10, params.samplePerList() * nlist),
                new Random(params.seed()));
        KMeans.Centroids centroids = KMeans.train(sample, nlist, metric, params.iterations(), params.seed(),
                abandoned);
        if (abandoned.getAsBoolean()) {
            throw new CancellationException("the index no longer needs this training");
        }
        ScalarQuantizer quantizer = params.sq8() ? ScalarQuantizer.train(sample) : null;
        int[] assignment = new int[n];
        KMeans.assign(all, centroids.data(), centroids.k(), metric, assignment);
        // The drift baseline is measured on vectors k-means did not train on: its own sample sits
        // closer to the centroids than any new vector will, and would make every insert look like
        // drift. With too few such vectors there is no reliable baseline, and drift is not judged.
        Set<float[]> trainedOn = Collections.newSetFromMap(new IdentityHashMap<>());
        trainedOn.addAll(Arrays.asList(sample));
        double residual = 0;
        int heldOut = 0;
        for (int i = 0; i < n; i++) {
            if (!trainedOn.contains(all[i])) {
                residual += Similarity.squaredDistance(all[i], centroids.data(), assignment[i] * dimension);
                heldOut++;
            }
        }
        return new Computed(centroids.data(), centroids.k(), assignment, quantizer,
                heldOut >= 100 ? residual / heldOut : Double.POSITIVE_INFINITY);
    }

    /** The lists of {@code computed} for the vectors it was computed on, built here rather than by the writer. */
    IvfLayout.Built layOut(final LiveVectors live, final Computed computed) {
        return IvfLayout.builtAside(dimension, metric, live, computed.centroids(), computed.nlist(),
                computed.assignment(), computed.quantizer());
    }

    static float[][] sample(final List<float[]> vectors, final int count, final Random random) {
        int n = vectors.size();
        if (count >= n) {
            return vectors.toArray(new float[0][]);
        }
        // Partial Fisher-Yates over indices: a uniform sample without replacement.
        int[] index = IntStream.range(0, n).toArray();
        float[][] out = new float[count][];
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(n - i);
            int t = index[i];
            index[i] = index[j];
            index[j] = t;
            out[i] = vectors.get(index[i]);
        }
        return out;
    }
}
