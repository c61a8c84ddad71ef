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
import java.util.LinkedHashMap;
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
 * Q1; search. Then the vectors held at the end go into an index built afresh, with the same
 * parameters, and the last checkpoint's queries are searched again: the difference is what the
 * stream of changes cost the index, apart from what the data itself makes hard.
 */
public final class StreamingRunbook {

    /**
     * One search checkpoint.
     *
     * @param afresh the last checkpoint's queries on an index built afresh from the vectors held
     *               then (not counted in the average)
     */
    public record Checkpoint(int step, String after, boolean afresh, int size, double recallAt10, double qps) {
    }

    private static final int K = 10;

    private StreamingRunbook() {
    }

    /**
     * Runs the runbook; returns the average recall@10 over its six checkpoints.
     *
     * @param params the index's parameters ({@code index.params})
     * @param search the search settings, the same at every checkpoint
     */
    public static double run(final String kind, final Map<String, ? extends Number> params,
                             final SearchParams search, final int n, final int dimension, final Metric metric,
                             final int queries, final double[] spread, final long seed, final PrintStream progress,
                             final Consumer<Checkpoint> out) {
        int topics = Math.max(8, (int) Math.sqrt(n));
        SyntheticData data = new SyntheticData(dimension, topics, spread[0], spread[1], seed);
        VectorIndex<Integer> index = IndexFactory.create(kind, dimension, metric, params);
        FlatIndex<Integer> exact = new FlatIndex<>(dimension, metric);
        Map<Integer, float[]> held = new LinkedHashMap<>();
        Run run = new Run(index, exact, held, search, queries, progress, out);
        int q = topics / 4;
        int nextId = 0;
        List<Integer> firstBatch = new ArrayList<>();
        List<Checkpoint> checkpoints = new ArrayList<>();

        nextId = run.insert(data.vectorsOfClusters(n / 2, 0, 2 * q, seed + 1), nextId, firstBatch);
        checkpoints.add(run.search(1, "insert n/2 of Q1+Q2", data.vectorsOfClusters(queries, 0, 2 * q, seed + 11)));
        nextId = run.insert(data.vectorsOfClusters(n / 4, 2 * q, 3 * q, seed + 2), nextId, null);
        checkpoints.add(run.search(2, "insert n/4 of Q3", data.vectorsOfClusters(queries, 0, 3 * q, seed + 12)));
        run.remove(firstBatch.subList(0, firstBatch.size() / 2));
        checkpoints.add(run.search(3, "delete the older half of the first batch",
                data.vectorsOfClusters(queries, 0, 3 * q, seed + 13)));
        nextId = run.insert(data.vectorsOfClusters(n / 4, 3 * q, topics, seed + 3), nextId, null);
        checkpoints.add(run.search(4, "insert n/4 of Q4", data.vectorsOfClusters(queries, q, topics, seed + 14)));
        run.remove(firstBatch);
        checkpoints.add(run.search(5, "delete the whole first batch",
                data.vectorsOfClusters(queries, 2 * q, topics, seed + 15)));
        run.insert(data.vectorsOfClusters(n / 4, 0, q, seed + 4), nextId, null);
        float[][] last = data.vectorsOfClusters(queries, 0, topics, seed + 16);
        checkpoints.add(run.search(6, "re-insert n/4 of Q1", last));

        progress.printf("  building an index afresh from the %,d vectors held%n", held.size());
        VectorIndex<Integer> afresh = IndexFactory.create(kind, dimension, metric, params);
        held.forEach(afresh::put);
        new Run(afresh, exact, held, search, queries, progress, out).search(6, "the same, in an index built afresh",
                true, last);
        return checkpoints.stream().mapToDouble(Checkpoint::recallAt10).average().orElse(0);
    }

    /** The index under test beside the exact one, and the vectors they hold. */
    private record Run(VectorIndex<Integer> index, FlatIndex<Integer> exact, Map<Integer, float[]> held,
                       SearchParams params, int queries, PrintStream progress, Consumer<Checkpoint> out) {

        int insert(final float[][] vectors, final int firstId, final List<Integer> ids) {
            int id = firstId;
            for (float[] v : vectors) {
                index.put(id, v);
                exact.put(id, v);
                held.put(id, v);
                if (ids != null) {
                    ids.add(id);
                }
                id++;
            }
            return id;
        }

        void remove(final List<Integer> ids) {
            for (int id : ids) {
                index.remove(id);
                exact.remove(id);
                held.remove(id);
            }
        }

        Checkpoint search(final int step, final String after, final float[][] qs) {
            return search(step, after, false, qs);
        }

        Checkpoint search(final int step, final String after, final boolean afresh, final float[][] qs) {
            double recall = 0;
            long nanos = 0;
            for (float[] q : qs) {
                Set<Integer> truth = new HashSet<>();
                exact.search(q, K, SearchParams.DEFAULT, null).forEach(h -> truth.add(h.key()));
                long start = System.nanoTime();
                List<Hit<Integer>> hits = index.search(q, K, params, null);
                nanos += System.nanoTime() - start;
                recall += hits.stream().filter(h -> truth.contains(h.key())).count() / (double) K;
            }
            Checkpoint checkpoint = new Checkpoint(step, after, afresh, index.size(), recall / qs.length,
                    qs.length / (nanos / 1e9));
            progress.printf("  step %d (%s): %,d vectors, recall@10 %.3f%n", step, after, checkpoint.size(),
                    checkpoint.recallAt10());
            out.accept(checkpoint);
            return checkpoint;
        }
    }
}
