package io.vectorstream.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.cli.Options;
import io.vectorstream.index.IndexFactory;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.schema.Json;
import io.vectorstream.testing.SyntheticData;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code vectorstream bench ann}: recall@10 against queries per second for an index kind, on
 * texmex files or generated data. Progress on standard error, results on standard output (a
 * table, or one JSON object per setting with {@code --json}).
 */
final class BenchCommand {

    static final Set<String> OPTIONS = Set.of("shards", "base", "queries", "groundtruth", "generate", "index", "metric",
            "query-count", "seed", "spread", "params", "ef", "nprobe", "probes", "rounds");

    /**
     * Noise of generated data, calibrated on 50k x 384 so that IVF's recall@10 against the share of
     * lists probed follows faiss' IVF-Flat on 187k real all-MiniLM-L6-v2 embeddings (measured): about
     * 0.92 at 1% of the lists, 0.94 at 2%, 0.95 at 4%, 0.97 at 8%. The tests' default (0.5-1.2) is easier.
     */
    static final String DEFAULT_SPREAD = "1.8,3.2";

    private BenchCommand() {
    }

    static void run(final List<String> args, final PrintStream out, final PrintStream progress) {
        if (args.isEmpty() || !Set.of("ann", "stream", "embed", "embed-file", "durability", "cluster", "filter",
                "serve")
                .contains(args.getFirst())) {
            throw new Options.UsageException("bench needs a benchmark: bench ann|stream|embed|embed-file|durability|cluster"
                    + "|filter|serve ...");
        }
        if ("serve".equals(args.getFirst())) {
            Options options = new Options(args.subList(1, args.size()), ServeBenchmark.OPTIONS, Set.of("json"));
            ServeBenchmark.run(options, dataset(options, Metric.COSINE, "200000,384", progress), indexParams(options), out,
                    progress);
            return;
        }
        if ("filter".equals(args.getFirst())) {
            filter(new Options(args.subList(1, args.size()), Set.of("generate", "base", "queries", "index", "metric",
                    "query-count", "seed", "spread", "rounds"), Set.of("json")), out, progress);
            return;
        }
        if ("cluster".equals(args.getFirst())) {
            ClusterBenchmark.run(new Options(args.subList(1, args.size()), ClusterBenchmark.OPTIONS, Set.of("json")), out,
                    progress);
            return;
        }
        if ("durability".equals(args.getFirst())) {
            durability(new Options(args.subList(1, args.size()), Set.of("events", "dim", "kills", "log-dir", "index", "kafka", "warmup"), Set.of("json")), out,
                    progress);
            return;
        }
        if ("embed-file".equals(args.getFirst())) {
            EmbedFileCommand.run(new Options(args.subList(1, args.size()), Set.of("texts", "out", "model", "model-dir",
                    "limit"), Set.of()), out, progress);
            return;
        }
        if ("embed".equals(args.getFirst())) {
            EmbedBenchmark.run(new Options(args.subList(1, args.size()), Set.of("model", "model-dir", "sentences",
                    "pipeline-events", "pipeline-rounds", "batch"), Set.of("json")), out, progress);
            return;
        }
        Options options = new Options(args.subList(1, args.size()), OPTIONS, Set.of("json"));
        if ("stream".equals(args.getFirst())) {
            stream(options, out, progress);
            return;
        }
        // Several kinds, comma-separated, run one after the other in this run: side by side on the
        // same data and the same minute's machine (hnsw,lucene: the graph and its reference).
        List<String> kinds = List.of(options.require("index").split(","));
        for (String kind : kinds) {
            if (!IndexFactory.KINDS.contains(kind) && !LuceneReference.KIND.equals(kind)) {
                throw new Options.UsageException("--index must be one of " + IndexFactory.KINDS + " or "
                        + LuceneReference.KIND
                        + " (Lucene's HNSW, the reference), or several of them comma-separated");
            }
        }
        Metric metric = Metric.fromWireName(options.get("metric", "cosine"));
        AnnBenchmark.Dataset data = dataset(options, metric, progress);
        boolean json = options.flag("json");
        if (!json) {
            out.printf("%-6s %-42s %10s %10s %9s %9s %8s %12s %10s %8s%n", "index", "params", "recall@10", "q/s",
                    "p50 ms", "p99 ms", "build s", "bytes/vector", "exact q/s", "x exact");
        }
        if (kinds.contains("flat")) {
            double bandwidth = AnnBenchmark.copyBandwidth();
            long bytes = (long) data.base().length * data.base()[0].length * Float.BYTES;
            progress.printf("memory bandwidth %.1f GB/s: a scan of %,d bytes is bound at %.0f q/s%n", bandwidth / 1e9,
                    bytes, bandwidth / bytes);
        }
        Map<String, Number> params = indexParams(options);
        for (String kind : kinds) {
            AnnBenchmark.run(data, kind, metric, params, Integer.parseInt(options.get("rounds", "1")),
                    Integer.parseInt(options.get("shards", "1")), progress, result -> report(result, json, out));
        }
    }

    /** {@code --params a=1,b=2}: index parameters as a library's {@code index.params} gives them. */
    private static Map<String, Number> indexParams(final Options options) {
        Map<String, Number> params = new LinkedHashMap<>();
        for (String pair : options.get("params", "").split(",")) {
            if (!pair.isBlank()) {
                String[] nameValue = pair.split("=");
                if (nameValue.length != 2) {
                    throw new Options.UsageException("--params takes name=value[,name=value...]");
                }
                params.put(nameValue[0].trim(), Double.parseDouble(nameValue[1].trim()));
            }
        }
        return params;
    }

    /** One row of bench ann: a JSON object or a line of the table. */
    private static void report(final AnnBenchmark.Result result, final boolean json, final PrintStream out) {
        if (json) {
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("index", result.index());
            if (LuceneReference.KIND.equals(result.index())) {
                node.put("reference", true); // the yardstick, not one of ours
            }
            node.set("params", Json.MAPPER.valueToTree(result.params()));
            node.put("recall_at_10", round(result.recallAt10(), 4));
            node.put("qps", round(result.qps(), 1));
            node.put("p50_ms", round(result.p50Ms(), 4));
            node.put("p99_ms", round(result.p99Ms(), 4));
            node.put("build_s", round(result.buildS(), 2));
            node.put("bytes_per_vector", round(result.bytesPerVector(), 1));
            if (!Double.isNaN(result.exactQps())) {
                node.put("exact_qps", round(result.exactQps(), 1));
                node.put("x_exact", round(result.qps() / result.exactQps(), 2));
            }
            out.println(node);
        } else {
            boolean compared = !Double.isNaN(result.exactQps());
            out.printf("%-6s %-42s %10.3f %10.0f %9.3f %9.3f %8.1f %12.0f %10s %8s%n", result.index(),
                    result.params(), result.recallAt10(), result.qps(), result.p50Ms(), result.p99Ms(),
                    result.buildS(), result.bytesPerVector(),
                    compared ? String.format("%.1f", result.exactQps()) : "-",
                    compared ? String.format("%.1f", result.qps() / result.exactQps()) : "-");
        }
        out.flush();
    }

    /**
     * Ingest, warm restart and replay against a bare producer and consumer ({@link DurabilityBenchmark}),
     * then {@code --kills} restarts of a killed service process ({@link KilledRestartBenchmark}).
     */
    private static void durability(final Options options, final PrintStream out, final PrintStream progress) {
        int events = Integer.parseInt(options.get("events", "200000"));
        int dimension = Integer.parseInt(options.get("dim", "384"));
        int kills = Integer.parseInt(options.get("kills", "3"));
        int warmup = Integer.parseInt(options.get("warmup", "0"));
        String index = options.get("index", "flat");
        if (!IndexFactory.KINDS.contains(index)) {
            throw new Options.UsageException("--index must be one of " + IndexFactory.KINDS);
        }
        String kafka = options.get("kafka", null);
        if (kafka != null && kills > 0) {
            throw new Options.UsageException("--kills needs the embedded broker (the killed service runs on the"
                    + " product's topics); with --kafka, give --kills 0");
        }
        Path logDir = options.get("log-dir", null) == null ? null : Path.of(options.get("log-dir", null));
        boolean json = options.flag("json");
        Consumer<DurabilityBenchmark.Result> report = result -> {
            if (json) {
                out.println(Json.MAPPER.createObjectNode().put("benchmark", result.name())
                        .put("value", round(result.value(), 2)).put("unit", result.unit())
                        .put("detail", result.detail()));
            } else {
                out.printf("%-16s %12.2f %-9s %s%n", result.name(), result.value(), result.unit(), result.detail());
            }
            out.flush();
        };
        DurabilityBenchmark.run(events, warmup, dimension, index, kafka, progress, report,
                (bootstrap, dataDir, libraries, chunks) -> KilledRestartBenchmark.run(kills, bootstrap, dataDir,
                        libraries, chunks, progress, logDir, report));
    }

    /** Filtered search against the same index unfiltered and exact search ({@link FilterBenchmark}). */
    private static void filter(final Options options, final PrintStream out, final PrintStream progress) {
        List<String> kinds = FilterBenchmark.kinds(options.get("index", null));
        if (!IndexFactory.KINDS.containsAll(kinds)) {
            throw new Options.UsageException("--index takes kinds of " + IndexFactory.KINDS + ", comma-separated");
        }
        int queryCount = Integer.parseInt(options.get("query-count", "200"));
        float[][] base;
        float[][] queries;
        if (options.get("base", null) != null) {
            try {
                base = VectorFiles.readFvecs(Path.of(options.get("base", null)), 0);
                queries = VectorFiles.readFvecs(Path.of(options.require("queries")), queryCount);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            progress.printf("read %,d base vectors and %d queries%n", base.length, queries.length);
        } else {
            String[] size = options.get("generate", "200000,384").split(",");
            String[] spread = options.get("spread", DEFAULT_SPREAD).split(",");
            int n = Integer.parseInt(size[0].trim());
            int dimension = Integer.parseInt(size[1].trim());
            long seed = Long.parseLong(options.get("seed", "7"));
            SyntheticData data = new SyntheticData(dimension, Math.max(4, (int) Math.sqrt(n)),
                    Double.parseDouble(spread[0]), Double.parseDouble(spread[1]), seed);
            progress.printf("generating %,d x %d vectors%n", n, dimension);
            base = data.vectors(n, seed + 1);
            queries = data.vectors(queryCount, seed + 2);
        }
        boolean json = options.flag("json");
        if (!json) {
            out.printf("%-5s %-62s %8s %9s %9s %8s %8s %11s %9s %8s  %s%n", "index", "filter", "matches", "q/s",
                    "recall@10", "results", "x exact", "unfiltered", "exact q/s", "eval us", "strategies");
        }
        FilterBenchmark.run(base, queries, Metric.fromWireName(options.get("metric", "cosine")), kinds,
                Integer.parseInt(options.get("rounds", "1")), progress, result -> {
                    if (json) {
                        ObjectNode node = Json.MAPPER.createObjectNode();
                        node.put("index", result.index());
                        node.put("filter", result.filter());
                        node.put("selectivity", result.selectivity());
                        node.put("matches", result.matches());
                        node.put("qps", round(result.qps(), 1));
                        node.put("recall_at_10", round(result.recallAt10(), 4));
                        node.put("average_results", round(result.averageResults(), 2));
                        node.put("strategies", result.strategies());
                        node.put("unfiltered_qps", round(result.unfilteredQps(), 1));
                        node.put("exact_qps", round(result.exactQps(), 1));
                        node.put("x_exact", round(result.qps() / result.exactQps(), 2));
                        node.put("x_unfiltered", round(result.qps() / result.unfilteredQps(), 2));
                        node.put("evaluation_us", round(result.evaluationMicros(), 1));
                        out.println(node);
                    } else {
                        out.printf("%-5s %-62s %,8d %9.0f %9.3f %8.2f %8.1f %11.0f %9.1f %8.1f  %s%n", result.index(),
                                result.filter(), result.matches(), result.qps(), result.recallAt10(),
                                result.averageResults(), result.qps() / result.exactQps(), result.unfilteredQps(),
                                result.exactQps(), result.evaluationMicros(), result.strategies());
                    }
                    out.flush();
                });
    }

    /** The streaming runbook ({@link StreamingRunbook}) on generated data. */
    private static void stream(final Options options, final PrintStream out, final PrintStream progress) {
        String kind = options.require("index");
        if (!IndexFactory.KINDS.contains(kind)) {
            throw new Options.UsageException("--index must be one of " + IndexFactory.KINDS);
        }
        String[] size = options.get("generate", "200000,384").split(",");
        String[] spread = options.get("spread", DEFAULT_SPREAD).split(",");
        boolean json = options.flag("json");
        SearchParams search = new SearchParams(Integer.parseInt(options.get("nprobe", "0")),
                Integer.parseInt(options.get("probes", "0")), false).withEf(Integer.parseInt(options.get("ef", "0")));
        double average = StreamingRunbook.run(kind, indexParams(options), search, Integer.parseInt(size[0].trim()),
                Integer.parseInt(size[1].trim()), Metric.fromWireName(options.get("metric", "cosine")),
                Integer.parseInt(options.get("query-count", "500")),
                new double[] {Double.parseDouble(spread[0]), Double.parseDouble(spread[1])},
                Long.parseLong(options.get("seed", "7")), progress, checkpoint -> {
                    if (json) {
                        ObjectNode node = Json.MAPPER.createObjectNode();
                        node.put("index", kind);
                        node.put("step", checkpoint.step());
                        node.put("after", checkpoint.after());
                        node.put("afresh", checkpoint.afresh());
                        node.put("size", checkpoint.size());
                        node.put("recall_at_10", round(checkpoint.recallAt10(), 4));
                        node.put("qps", round(checkpoint.qps(), 1));
                        out.println(node);
                    } else {
                        out.printf("step %d  %-45s %,9d vectors  recall@10 %.3f  %6.0f q/s%n", checkpoint.step(),
                                checkpoint.after(), checkpoint.size(), checkpoint.recallAt10(), checkpoint.qps());
                    }
                });
        if (json) {
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("index", kind);
            node.put("average_recall_at_10", round(average, 4));
            out.println(node);
        } else {
            out.printf("average recall@10 over the checkpoints: %.3f%n", average);
        }
    }

    private static AnnBenchmark.Dataset dataset(final Options options, final Metric metric,
                                                final PrintStream progress) {
        return dataset(options, metric, null, progress);
    }

    /** @param generateByDefault the {@code --generate} of a run given neither it nor {@code --base}, or null */
    private static AnnBenchmark.Dataset dataset(final Options options, final Metric metric,
                                                final String generateByDefault, final PrintStream progress) {
        int queryCount = Integer.parseInt(options.get("query-count", "1000"));
        String generate = options.get("generate", options.get("base", null) == null ? generateByDefault : null);
        if (generate != null) {
            String[] parts = generate.split(",");
            if (parts.length != 2) {
                throw new Options.UsageException("--generate takes N,DIM, for example 200000,384");
            }
            String[] spread = options.get("spread", DEFAULT_SPREAD).split(",");
            return AnnBenchmark.generate(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()),
                    queryCount, metric, new double[] {Double.parseDouble(spread[0]), Double.parseDouble(spread[1])},
                    Long.parseLong(options.get("seed", "7")), progress);
        }
        try {
            Path base = Path.of(options.require("base"));
            float[][] vectors = VectorFiles.readFvecs(base, 0);
            float[][] queries = VectorFiles.readFvecs(Path.of(options.require("queries")), queryCount);
            String truthFile = options.get("groundtruth", null);
            int[][] truth = truthFile != null ? VectorFiles.readIvecs(Path.of(truthFile), queryCount)
                    : AnnBenchmark.groundTruth(vectors, queries, metric, progress);
            progress.printf("read %,d base vectors and %d queries from %s%n", vectors.length, queries.length, base);
            return new AnnBenchmark.Dataset(base.getFileName().toString(), vectors, queries, truth);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double round(final double value, final int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
