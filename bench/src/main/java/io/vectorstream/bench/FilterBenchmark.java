package io.vectorstream.bench;

import io.vectorstream.index.FlatIndex;
import io.vectorstream.index.Hit;
import io.vectorstream.index.IndexFactory;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.index.VectorIndex;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.filter.Filter;
import io.vectorstream.schema.filter.FilterParser;
import io.vectorstream.store.ChunkRef;
import io.vectorstream.store.FieldIndex;
import io.vectorstream.store.SearchPlanner;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.roaringbitmap.RoaringBitmap;

/**
 * Filtered search as a library shard runs it (the field index evaluates the filter, the planner
 * picks exact scoring of the matches or the index searching with the filter), on one shard of
 * {@code n} vectors whose metadata has fields of known selectivity: per index kind and filter,
 * queries per second, recall@10 against the exact filtered search and the average number of
 * results; beside them in the same run the same index unfiltered and exact search over the whole
 * shard, the references the figures are judged against. One thread, one query at a time.
 */
final class FilterBenchmark {

    /** A chunk's {@code r} is uniform in [0, RANGE): {@code r < s * RANGE} keeps a share s. */
    static final int RANGE = 10_000;
    /** A chunk's {@code tenant} is one of this many, uniformly: one tenant is 1%. */
    static final int TENANTS = 100;
    private static final int K = 10;

    /** The figures of one setting. */
    record Result(String index, String filter, double selectivity, int matches, double qps, double recallAt10,
                  double averageResults, String strategies, double unfilteredQps, double exactQps, double evaluationMicros) {
    }

    private FilterBenchmark() {
    }

    /** The filters measured: ranges of {@code r} at each selectivity, a tenant, and a combination. */
    static Map<String, Double> filters() {
        Map<String, Double> filters = new LinkedHashMap<>();
        for (double share : new double[] {0.5, 0.1, 0.01, 0.001, 0.0001}) {
            filters.put("{\"r\": {\"$lt\": " + Math.round(share * RANGE) + "}}", share);
        }
        filters.put("{\"tenant\": \"t7\"}", 1.0 / TENANTS);
        filters.put("{\"tenant\": {\"$in\": [\"t1\", \"t2\"]}, \"r\": {\"$gte\": 5000}}", 0.01);
        filters.put("{\"tenant\": \"nobody\"}", 0.0);
        return filters;
    }

    /**
     * @param rounds how many times each filter is timed with exact and unfiltered search around it,
     *               the fastest of each kept
     */
    static void run(final float[][] base, final float[][] queries, final Metric metric, final List<String> kinds,
                    final int rounds, final PrintStream progress, final Consumer<Result> report) {
        int dimension = base[0].length;
        Random random = new Random(29);
        List<ChunkRecord> records = new ArrayList<>(base.length);
        for (int i = 0; i < base.length; i++) {
            records.add(new ChunkRecord("lib", "d" + i / 8, "c" + i, "", base[i], "{\"r\": " + random.nextInt(RANGE)
                    + ", \"tenant\": \"t" + random.nextInt(TENANTS) + "\"}", 1, 0, 0));
        }
        FieldIndex fields = new FieldIndex();
        FlatIndex<ChunkRef> exact = new FlatIndex<>(dimension, metric);
        List<ChunkRef> refs = new ArrayList<>(records.size());
        long start = System.nanoTime();
        for (ChunkRecord chunk : records) {
            refs.add(fields.putChunk(chunk));
            exact.put(refs.getLast(), chunk.vector());
        }
        progress.printf("field index of %,d chunks (2 fields) and the exact reference built in %.1f s%n", base.length,
                (System.nanoTime() - start) / 1e9);
        Map<String, RoaringBitmap> matches = new LinkedHashMap<>();
        Map<String, List<Set<ChunkRef>>> truth = new LinkedHashMap<>();
        for (String filter : filters().keySet()) {
            RoaringBitmap m = fields.matches(parse(filter));
            matches.put(filter, m);
            List<ChunkRef> matching = fields.chunksOf(m);
            List<Set<ChunkRef>> perQuery = new ArrayList<>();
            for (float[] query : queries) {
                Set<ChunkRef> top = new HashSet<>();
                exact.searchAmong(query, K, matching).forEach(hit -> top.add(hit.key()));
                perQuery.add(top);
            }
            truth.put(filter, perQuery);
            progress.printf("  %-70s %,8d matches%n", filter, m.getCardinality());
        }
        for (String kind : kinds) {
            VectorIndex<ChunkRef> index;
            if (kind.equals("flat")) {
                index = exact;
            } else {
                progress.printf("building %s over %,d vectors...%n", kind, base.length);
                long built = System.nanoTime();
                index = IndexFactory.create(kind, dimension, metric, Map.of());
                for (int i = 0; i < records.size(); i++) {
                    index.put(refs.get(i), records.get(i).vector());
                }
                progress.printf("built %s in %.1f s%n", kind, (System.nanoTime() - built) / 1e9);
            }
            // The build's garbage collected now, not by a concurrent cycle that takes one of the two
            // cores from the timed queries (filter evaluation ran 10-20x slower in such a run).
            System.gc();
            for (Map.Entry<String, Double> filter : filters().entrySet()) {
                RoaringBitmap m = matches.get(filter.getKey());
                warmUp(index, fields, m, queries);
                Filter parsed = parse(filter.getKey());
                Map<String, Integer> strategies = new TreeMap<>();
                long results = 0;
                double recall = 0;
                double qps = 0;
                double exactQps = 0;
                double unfilteredQps = 0;
                // Each round times exact, unfiltered and filtered search side by side; the fastest of each is kept.
                for (int round = 0; round < rounds; round++) {
                    double exactBefore = unfilteredQps(exact, queries, 0, queries.length / 4);
                    double unfilteredBefore = unfilteredQps(index, queries, 0, queries.length / 2);
                    strategies.clear();
                    results = 0;
                    recall = 0;
                    long timed = System.nanoTime();
                    for (int q = 0; q < queries.length; q++) {
                        // As a shard answers a query: the filter evaluated on the field index, then the plan.
                        SearchPlanner.Found found = SearchPlanner.search(index, fields, fields.matches(parsed),
                                queries[q], K, SearchParams.DEFAULT);
                        results += found.hits().size();
                        strategies.merge(found.strategy().label(), 1, Integer::sum);
                        recall += recall(found.hits(), truth.get(filter.getKey()).get(q));
                    }
                    qps = Math.max(qps, queries.length / ((System.nanoTime() - timed) / 1e9));
                    exactQps = Math.max(exactQps,
                            (exactBefore + unfilteredQps(exact, queries, queries.length / 4, queries.length / 2)) / 2);
                    unfilteredQps = Math.max(unfilteredQps, (unfilteredBefore
                            + unfilteredQps(index, queries, queries.length / 2, queries.length)) / 2);
                }
                report.accept(new Result(kind, filter.getKey(), filter.getValue(), m.getCardinality(), qps,
                        recall / queries.length, results / (double) queries.length, strategies.toString(),
                        unfilteredQps, exactQps, evaluationMicros(fields, filter.getKey())));
            }
        }
    }

    /**
     * What evaluating the filter on the field index costs alone, in microseconds (part of each
     * query): the median of 21 batches of 20 evaluations. One batch of 200 took 10 us in one run
     * and 150-180 in others for the same filter: a window of a few milliseconds that a young
     * collection (tens of milliseconds with gigabytes of indexes in the old generation) lands in.
     */
    private static double evaluationMicros(final FieldIndex fields, final String json) {
        Filter filter = parse(json);
        int rounds = 20;
        double[] batches = new double[21];
        long sink = 0;
        for (int b = 0; b < batches.length; b++) {
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                sink += fields.matches(filter).getCardinality();
            }
            batches[b] = (System.nanoTime() - start) / 1e3 / rounds;
        }
        Arrays.sort(batches);
        return sink < 0 ? -1 : batches[batches.length / 2];
    }

    private static Filter parse(final String filter) {
        return FilterParser.parse(Json.tree(filter), "filter");
    }

    /**
     * Runs the filter's searches unmeasured, 200 of them and for a second at least: a strategy met
     * here for the first time is compiled by the JIT meanwhile (with 50, a path first taken at 10%
     * ran at half its speed in the timed queries after).
     */
    private static void warmUp(final VectorIndex<ChunkRef> index, final FieldIndex fields, final RoaringBitmap m,
                               final float[][] queries) {
        long until = System.nanoTime() + 1_000_000_000L;
        for (int i = 0; i < 200 || System.nanoTime() < until; i++) {
            SearchPlanner.search(index, fields, m, queries[i % queries.length], K, SearchParams.DEFAULT);
        }
    }

    /** Unfiltered queries per second of {@code index} over queries {@code [from, to)}. */
    private static double unfilteredQps(final VectorIndex<ChunkRef> index, final float[][] queries, final int from,
                                        final int to) {
        long start = System.nanoTime();
        for (int q = from; q < to; q++) {
            index.search(queries[q], K, SearchParams.DEFAULT, null);
        }
        return (to - from) / ((System.nanoTime() - start) / 1e9);
    }

    /** The share of the exact filtered top-k found (1 when nothing matches and nothing was found). */
    private static double recall(final List<Hit<ChunkRef>> found, final Set<ChunkRef> exact) {
        if (exact.isEmpty()) {
            return found.isEmpty() ? 1 : 0;
        }
        int same = 0;
        for (Hit<ChunkRef> hit : found) {
            same += exact.contains(hit.key()) ? 1 : 0;
        }
        return same / (double) exact.size();
    }

    /** The kinds {@code --index} names, all of them when absent. */
    static List<String> kinds(final String option) {
        return option == null ? List.of("flat", "ivf", "lsh") : Arrays.asList(option.split(","));
    }
}
