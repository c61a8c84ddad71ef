package io.vectorstream.bench;

import io.vectorstream.index.FlatIndex;
import io.vectorstream.index.FlatParams;
import io.vectorstream.index.Hit;
import io.vectorstream.index.HnswParams;
import io.vectorstream.index.IndexFactory;
import io.vectorstream.index.IndexStats;
import io.vectorstream.index.IvfIndex;
import io.vectorstream.index.LshParams;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.index.Similarity;
import io.vectorstream.index.VectorIndex;
import io.vectorstream.testing.SyntheticData;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Recall against queries per second for one index kind over a data set: builds the index by
 * inserting every base vector (as the stream does, retraining included), then for each setting of
 * the sweep runs every query once to warm up and once timed, one thread, one query at a time.
 * Progress goes to {@code progress}; each setting's result to the consumer.
 */
public final class AnnBenchmark {

    /** A data set: base vectors, queries, and the exact top ids of each query (ground truth). */
    public record Dataset(String name, float[][] base, float[][] queries, int[][] groundTruth) {
    }

    /**
     * The figures of one setting. {@code exactQps} is exact search's rate in the same minute (NaN
     * for the flat index itself): this machine's speed moves by half from one minute to the next,
     * so a speed-up over exact search is only meaningful against a rate measured alongside.
     */
    public record Result(String index, Map<String, Object> params, double recallAt10, double qps, double p50Ms,
                         double p99Ms, double buildS, double bytesPerVector, double exactQps) {
    }

    /** Queries timed on exact search around each setting: half before, half after. */
    private static final int EXACT_SAMPLE = 40;

    private static final int K = 10;

    private AnnBenchmark() {
    }

    /** Generated data ({@link SyntheticData}) with exact ground truth under {@code metric}. */
    public static Dataset generate(final int n, final int dimension, final int queries, final Metric metric,
                                   final double[] spread, final long seed, final PrintStream progress) {
        SyntheticData data = new SyntheticData(dimension, Math.max(4, (int) Math.sqrt(n)), spread[0], spread[1], seed);
        progress.printf("generating %,d x %d vectors (%d topics) and %d queries, seed %d%n", n, dimension,
                data.clusters(), queries, seed);
        float[][] base = data.vectors(n, seed + 1);
        float[][] query = data.vectors(queries, seed + 2);
        return new Dataset("synthetic-" + n + "x" + dimension, base, query, groundTruth(base, query, metric, progress));
    }

    /**
     * The exact top-{@value #K} of every query, on all cores, from every float (not from the flat
     * index's codes: the truth the flat index itself is checked against).
     */
    public static int[][] groundTruth(final float[][] base, final float[][] queries, final Metric metric,
                                      final PrintStream progress) {
        FlatIndex<Integer> exact = new FlatIndex<>(base[0].length, metric, new FlatParams(false));
        for (int i = 0; i < base.length; i++) {
            exact.put(i, base[i]);
        }
        progress.printf("computing exact ground truth for %d queries%n", queries.length);
        return IntStream.range(0, queries.length).parallel()
                .mapToObj(q -> exact.search(queries[q], K, SearchParams.DEFAULT, null).stream()
                        .mapToInt(Hit::key).toArray())
                .toArray(int[][]::new);
    }

    /**
     * The index configurations a sweep builds: one for flat and ivf (whose search-time knob is
     * swept per query), several table and bit counts for lsh (whose build-time shape matters most).
     */
    private static List<Map<String, Number>> builds(final String kind, final Map<String, Number> fixed) {
        if (!fixed.isEmpty() || !"lsh".equals(kind)) {
            return List.of(fixed);
        }
        return List.of(Map.of(), Map.of("tables", 16, "bits", 12), Map.of("tables", 24, "bits", 14));
    }

    /**
     * Builds the index (each configuration of it) and measures every setting of its sweep.
     *
     * @param params index parameters to build with; empty for the defaults (and for LSH, its sweep)
     * @param rounds   how many times each setting is timed, the fastest round kept (this machine's
     *                 speed moves by a third between minutes: the best of a few is the steadier figure)
     */
    public static void run(final Dataset data, final String kind, final Metric metric,
                           final Map<String, Number> params, final int rounds, final PrintStream progress,
                           final Consumer<Result> results) {
        run(data, kind, metric, params, rounds, 1, progress, results);
    }

    /**
     * {@link #run} with the base vectors spread over {@code shards} indexes (vector i in index
     * i mod shards), each searched for the top 10 and the answers merged, as a library's shards
     * are: how a query's work and recall change with the partitions at the same settings.
     */
    public static void run(final Dataset data, final String kind, final Metric metric,
                           final Map<String, Number> params, final int rounds, final int shards,
                           final PrintStream progress, final Consumer<Result> results) {
        progress.printf("kernels: %s; data: %s, %,d base vectors, %d queries%n", Similarity.kernelName(), data.name(),
                data.base().length, data.queries().length);
        if (LuceneReference.KIND.equals(kind)) {
            runLucene(data, metric, params, rounds, progress, results);
            return;
        }
        for (Map<String, Number> build : builds(kind, params)) {
            runOne(data, kind, metric, build, rounds, shards, progress, results);
        }
    }

    /** The query's answer, the ids of its hits best first. */
    private interface Searcher {
        int[] search(float[] query);
    }

    /**
     * Lucene's HNSW as the reference ({@link LuceneReference}): m 16 and beam width 100 unless
     * {@code params} names {@code m} and {@code efConstruction}; its sweep is Lucene's numCandidates,
     * with exact search timed around each setting as for our indexes.
     */
    private static void runLucene(final Dataset data, final Metric metric, final Map<String, Number> params,
                                  final int rounds, final PrintStream progress, final Consumer<Result> results) {
        int m = params.getOrDefault("m", 16).intValue();
        int beamWidth = params.getOrDefault("efConstruction", 100).intValue();
        progress.printf("  lucene: building HNSW (m %d, beam width %d) over %,d vectors...%n", m, beamWidth,
                data.base().length);
        FlatIndex<Integer> exact = exactIndex(data, metric);
        try (LuceneReference lucene = LuceneReference.build(data.base(), metric, m, beamWidth, progress)) {
            progress.printf("  lucene: built in %.1f s, %.0f bytes per vector%n", lucene.buildSeconds(),
                    lucene.bytesPerVector());
            for (int candidates : new int[] {10, 16, 24, 32, 48, 64, 96, 128, 192, 256}) {
                Map<String, Object> setting = new LinkedHashMap<>();
                setting.put("m", m);
                setting.put("efConstruction", beamWidth);
                setting.put("numCandidates", candidates);
                Result result = timed(data, q -> lucene.search(q, K, candidates), "lucene", setting,
                        lucene.buildSeconds(), lucene.bytesPerVector(), exact, rounds);
                progress.printf("  lucene %s: recall@10 %.3f, %.0f q/s (exact now: %.1f q/s), p50 %.3f ms%n", setting,
                        result.recallAt10(), result.qps(), result.exactQps(), result.p50Ms());
                results.accept(result);
            }
        }
    }

    private static FlatIndex<Integer> exactIndex(final Dataset data, final Metric metric) {
        FlatIndex<Integer> exact = new FlatIndex<>(data.base()[0].length, metric);
        for (int i = 0; i < data.base().length; i++) {
            exact.put(i, data.base()[i]);
        }
        return exact;
    }

    private static Result withExact(final Result result, final double exactSeconds) {
        return new Result(result.index(), result.params(), result.recallAt10(), result.qps(), result.p50Ms(),
                result.p99Ms(), result.buildS(), result.bytesPerVector(), EXACT_SAMPLE / exactSeconds);
    }

    private static void runOne(final Dataset data, final String kind, final Metric metric,
                               final Map<String, Number> build, final int rounds, final int shards,
                               final PrintStream progress, final Consumer<Result> results) {
        int dimension = data.base()[0].length;
        List<VectorIndex<Integer>> parts = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            parts.add(IndexFactory.create(kind, dimension, metric, build));
        }
        VectorIndex<Integer> index = parts.getFirst();
        long start = System.nanoTime();
        long lastReport = start;
        for (int i = 0; i < data.base().length; i++) {
            parts.get(i % shards).put(i, data.base()[i]);
            long now = System.nanoTime();
            if (now - lastReport > 5_000_000_000L) {
                progress.printf("  %s %s: inserted %,d / %,d (%.0f s)%n", kind, build, i + 1, data.base().length,
                        (now - start) / 1e9);
                lastReport = now;
            }
        }
        double buildSeconds = (System.nanoTime() - start) / 1e9;
        IndexStats stats = index.stats();
        progress.printf("  %s %s: built in %.1f s: %s%s%n", kind, build, buildSeconds, stats,
                shards > 1 ? " (the first of " + shards + " shards)" : "");
        double bytesPerVector = parts.stream().mapToLong(p -> p.stats().memoryBytes()).sum()
                / (double) data.base().length;
        FlatIndex<Integer> exact = "flat".equals(kind) ? null : exactIndex(data, metric);
        for (Map<String, Object> setting : sweep(kind, index, build)) {
            SearchParams params = new SearchParams(((Number) setting.getOrDefault("nprobe", 0)).intValue(),
                    ((Number) setting.getOrDefault("probes", 0)).intValue(), false)
                    .withEf(((Number) setting.getOrDefault("ef", 0)).intValue());
            if (shards > 1) {
                setting.put("shards", shards);
            }
            Searcher searcher = shards == 1
                    ? q -> index.search(q, K, params, null).stream().mapToInt(Hit::key).toArray()
                    : q -> merged(parts, q, params, metric);
            Result result = timed(data, searcher, kind, setting, buildSeconds, bytesPerVector, exact, rounds);
            progress.printf("  %s %s: recall@10 %.3f, %.0f q/s (exact now: %.1f q/s), p50 %.3f ms, p99 %.3f ms%n", kind,
                    setting, result.recallAt10(), result.qps(), result.exactQps(), result.p50Ms(), result.p99Ms());
            results.accept(result);
        }
    }

    /** The top {@value #K} of every part's top {@value #K}, as a library's shards' answers are merged. */
    private static int[] merged(final List<VectorIndex<Integer>> parts, final float[] q, final SearchParams params,
                                final Metric metric) {
        List<Hit<Integer>> all = new ArrayList<>();
        for (VectorIndex<Integer> part : parts) {
            all.addAll(part.search(q, K, params, null));
        }
        all.sort(metric == Metric.L2 ? Comparator.comparingDouble(Hit::score)
                : Comparator.comparingDouble((Hit<Integer> h) -> h.score()).reversed());
        return all.stream().limit(K).mapToInt(Hit::key).toArray();
    }

    /**
     * The setting timed {@code rounds} times with exact search timed around each round (when
     * {@code exact} is given): the fastest round of each.
     */
    private static Result timed(final Dataset data, final Searcher searcher, final String kind,
                                final Map<String, Object> setting, final double buildSeconds,
                                final double bytesPerVector, final FlatIndex<Integer> exact, final int rounds) {
        Result best = null;
        double exactBest = Double.MAX_VALUE;
        for (int round = 0; round < rounds; round++) {
            double exactBefore = exact == null ? 0 : exactSeconds(exact, data.queries(), 0);
            Result result = measure(data, searcher, kind, setting, buildSeconds, bytesPerVector);
            if (exact != null) {
                exactBest = Math.min(exactBest, exactBefore + exactSeconds(exact, data.queries(), EXACT_SAMPLE / 2));
            }
            if (best == null || result.qps() > best.qps()) {
                best = result;
            }
        }
        return exact == null ? best : withExact(best, exactBest);
    }

    /** Seconds for exact search of {@value #EXACT_SAMPLE}/2 queries from {@code first}, one at a time. */
    private static double exactSeconds(final FlatIndex<Integer> exact, final float[][] queries, final int first) {
        long start = System.nanoTime();
        for (int i = 0; i < EXACT_SAMPLE / 2; i++) {
            exact.search(queries[(first + i) % queries.length], K, SearchParams.DEFAULT, null);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static List<Map<String, Object>> sweep(final String kind, final VectorIndex<Integer> index,
                                                   final Map<String, Number> build) {
        List<Map<String, Object>> settings = new ArrayList<>();
        switch (kind) {
            case "ivf" -> {
                IvfIndex<Integer> ivf = (IvfIndex<Integer>) index;
                for (int nprobe : new int[] {1, 4, 8, 16, 32, 48, 64, 96, 128, 192, 256}) {
                    if (nprobe <= ivf.nlist()) {
                        Map<String, Object> s = new LinkedHashMap<>();
                        s.put("nlist", ivf.nlist());
                        s.put("nprobe", nprobe);
                        settings.add(s);
                    }
                }
            }
            case "lsh" -> {
                for (int probes : new int[] {1, 4, 8, 12, 16, 20, 22, 24, 32, 40, 48, 64, 128}) {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("tables", build.getOrDefault("tables", LshParams.DEFAULT.tables()));
                    s.put("bits", build.getOrDefault("bits", LshParams.DEFAULT.bits()));
                    s.put("collisions", build.getOrDefault("collisions",
                            LshParams.DEFAULT.collisions()));
                    s.put("probes", probes);
                    settings.add(s);
                }
            }
            case "hnsw" -> {
                for (int ef : new int[] {10, 16, 24, 32, 48, 64, 96, 128, 192, 256}) {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("m", build.getOrDefault("m", HnswParams.DEFAULT.m()));
                    s.put("efConstruction", build.getOrDefault("efConstruction", HnswParams.DEFAULT.efConstruction()));
                    s.put("ef", ef);
                    settings.add(s);
                }
            }
            default -> settings.add(new LinkedHashMap<>());
        }
        return settings;
    }

    private static Result measure(final Dataset data, final Searcher searcher, final String kind,
                                  final Map<String, Object> setting, final double buildSeconds,
                                  final double bytesPerVector) {
        float[][] queries = data.queries();
        for (int i = 0; i < Math.min(queries.length, 200); i++) {
            searcher.search(queries[i]); // warm-up
        }
        long[] latencies = new long[queries.length];
        double recall = 0;
        long total = System.nanoTime();
        for (int q = 0; q < queries.length; q++) {
            long start = System.nanoTime();
            int[] hits = searcher.search(queries[q]);
            latencies[q] = System.nanoTime() - start;
            Set<Integer> truth = new HashSet<>();
            for (int i = 0; i < K && i < data.groundTruth()[q].length; i++) {
                truth.add(data.groundTruth()[q][i]);
            }
            recall += Arrays.stream(hits).filter(truth::contains).count() / (double) K;
        }
        double seconds = (System.nanoTime() - total) / 1e9;
        Arrays.sort(latencies);
        Map<String, Object> shown = new LinkedHashMap<>(setting);
        return new Result(kind, shown, recall / queries.length, queries.length / seconds,
                latencies[latencies.length / 2] / 1e6, latencies[(int) (latencies.length * 0.99)] / 1e6, buildSeconds,
                bytesPerVector, Double.NaN);
    }

    /** Memory bandwidth in bytes per second (read plus written) of a 64 MiB array copy: the bound of an exact scan. */
    public static double copyBandwidth() {
        float[] from = new float[64 << 20 >> 2];
        float[] to = new float[from.length];
        Arrays.fill(from, 1f);
        double best = 0;
        for (int round = 0; round < 5; round++) {
            long start = System.nanoTime();
            System.arraycopy(from, 0, to, 0, from.length);
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, 2 * from.length * 4.0 / seconds); // bytes read plus bytes written
        }
        return best;
    }
}
