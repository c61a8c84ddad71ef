package io.vectorstream.bench;

import io.vectorstream.index.FlatIndex;
import io.vectorstream.index.Hit;
import io.vectorstream.index.IndexFactory;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.index.VectorIndex;
import io.vectorstream.testing.SyntheticData;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A streaming run in the spirit of the big-ann-benchmarks streaming track: inserts, deletes and
 * re-insertions that move the data distribution between search checkpoints, applied to the index
 * under test and to an exact index side by side; at each checkpoint, recall@10 of the index against
 * the exact one on queries drawn from the distribution of that moment.
 *
 * <p>The runbook, over topics (clusters) split into quarters Q1..Q4 and n vectors in all:
 * insert n/2 of Q1+Q2; search; insert n/4 of Q3; search; delete the oldest half of the first batch;
 * search; insert n/4 of Q4; search; delete everything of the first batch; search; re-insert n/4 of
 * Q1; search.
 */
public final class StreamingRunbook {

    /** One search checkpoint. */
    public record Checkpoint(int step, String after, int size, double recallAt10, double qps) {
    }

    private static final int K = 10;

    private StreamingRunbook() {
    }

    public static double run(final String kind, final int n, final int dimension, final Metric metric,
                             final int queries, final double[] spread, final long seed, final PrintStream progress,
                             final Consumer<Checkpoint> out) {
        int topics = Math.max(8, (int) Math.sqrt(n));
        SyntheticData data = new SyntheticData(dimension, topics, spread[0], spread[1], seed);
        VectorIndex<Integer> index = IndexFactory.create(kind, dimension, metric, Map.of());
        FlatIndex<Integer> exact = new FlatIndex<>(dimension, metric);
        int q = topics / 4;
        int nextId = 0;
        List<Integer> firstBatch = new ArrayList<>();
        List<Checkpoint> checkpoints = new ArrayList<>();

        nextId = insert(data.vectorsOfClusters(n / 2, 0, 2 * q, seed + 1), nextId, index, exact, firstBatch);
        checkpoints.add(search(1, "insert n/2 of Q1+Q2", index, exact, data, 0, 2 * q, queries, seed + 11, progress, out));
        nextId = insert(data.vectorsOfClusters(n / 4, 2 * q, 3 * q, seed + 2), nextId, index, exact, null);
        checkpoints.add(search(2, "insert n/4 of Q3", index, exact, data, 0, 3 * q, queries, seed + 12, progress, out));
        for (int id : firstBatch.subList(0, firstBatch.size() / 2)) {
            index.remove(id);
            exact.remove(id);
        }
        checkpoints.add(search(3, "delete the older half of the first batch", index, exact, data, 0, 3 * q, queries,
                seed + 13, progress, out));
        nextId = insert(data.vectorsOfClusters(n / 4, 3 * q, topics, seed + 3), nextId, index, exact, null);
        checkpoints.add(search(4, "insert n/4 of Q4", index, exact, data, q, topics, queries, seed + 14, progress, out));
        for (int id : firstBatch) {
            index.remove(id);
            exact.remove(id);
        }
        checkpoints.add(search(5, "delete the whole first batch", index, exact, data, 2 * q, topics, queries,
                seed + 15, progress, out));
        insert(data.vectorsOfClusters(n / 4, 0, q, seed + 4), nextId, index, exact, null);
        checkpoints.add(search(6, "re-insert n/4 of Q1", index, exact, data, 0, topics, queries, seed + 16, progress,
                out));
        return checkpoints.stream().mapToDouble(Checkpoint::recallAt10).average().orElse(0);
    }

    private static int insert(final float[][] vectors, final int firstId, final VectorIndex<Integer> index,
                              final FlatIndex<Integer> exact, final List<Integer> ids) {
        int id = firstId;
        for (float[] v : vectors) {
            index.put(id, v);
            exact.put(id, v);
            if (ids != null) {
                ids.add(id);
            }
            id++;
        }
        return id;
    }

    private static Checkpoint search(final int step, final String after, final VectorIndex<Integer> index,
                                     final FlatIndex<Integer> exact, final SyntheticData data, final int fromTopic,
                                     final int toTopic, final int queries, final long seed,
                                     final PrintStream progress, final Consumer<Checkpoint> out) {
        float[][] qs = data.vectorsOfClusters(queries, fromTopic, toTopic, seed);
        double recall = 0;
        long nanos = 0;
        for (float[] q : qs) {
            Set<Integer> truth = new HashSet<>();
            exact.search(q, K, SearchParams.DEFAULT, null).forEach(h -> truth.add(h.key()));
            long start = System.nanoTime();
            List<Hit<Integer>> hits = index.search(q, K, SearchParams.DEFAULT, null);
            nanos += System.nanoTime() - start;
            recall += hits.stream().filter(h -> truth.contains(h.key())).count() / (double) K;
        }
        Checkpoint checkpoint = new Checkpoint(step, after, index.size(), recall / qs.length, qs.length / (nanos / 1e9));
        progress.printf("  step %d (%s): %,d vectors, recall@10 %.3f%n", step, after, checkpoint.size(),
                checkpoint.recallAt10());
        out.accept(checkpoint);
        return checkpoint;
    }
}
