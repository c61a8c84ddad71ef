package io.vectorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.cli.ModelCommand;
import io.vectorstream.cli.Options;
import io.vectorstream.embed.DjlEmbedder;
import io.vectorstream.embed.Embedder;
import io.vectorstream.embed.KnownModel;
import io.vectorstream.embed.ModelBuilder;
import io.vectorstream.index.Hit;
import io.vectorstream.index.IndexFactory;
import io.vectorstream.index.IvfParams;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.index.VectorIndex;
import io.vectorstream.kafka.EmbeddedKafkaBroker;
import io.vectorstream.schema.Embeddings;
import io.vectorstream.schema.Json;
import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code vectorstream bench serve}: the service as its users see it. A data set goes in through
 * Kafka as raw chunk events (into a flat library first, the reference, then into each library of
 * the index kinds asked for), timed until every event is applied and every shard's index trained;
 * then searches over HTTP from 1..N clients (closed loop) and at fixed rates (open loop), with
 * recall@10 against the exact answers, and beside them, in the same run, the same index in this
 * process over the same vectors: every HTTP row carries its ratio to what the index itself does.
 */
final class ServeBenchmark {

    static final Set<String> OPTIONS = Set.of("url", "kafka", "topic", "index", "params", "partitions", "clients",
            "loads", "seconds", "generate", "base", "queries", "groundtruth", "query-count", "seed", "spread",
            "log-dir", "text-searches", "model-dir");
    private static final Duration PATIENCE = Duration.ofMinutes(10);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(3);
    private static final int K = 10;
    private static final int WARM_UP = 300;
    private static final int WARM_UP_EVENTS = 50_000;
    /** Open-loop connections: enough that a slow answer never holds the next search back. */
    private static final int OPEN_CONNECTIONS = 32;

    /** One library's ingest: every event published, applied, and its index trained. */
    record Ingest(String index, int events, double publishS, double appliedS, double trainedS, double eventsPerS) {
    }

    /** The index in this process: its build and one thread's searches, before and after the HTTP runs. */
    record InProcess(String index, double buildS, double qps, double recallAt10, double p50Ms, double p99Ms) {
    }

    private final URI url;
    private final String bootstrap;
    private final String topic;
    private final String run = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
    private final AnnBenchmark.Dataset data;
    private final Map<String, Number> params;
    private final PrintStream progress;
    private final BenchHttp http = new BenchHttp();
    private final String textModel;
    private final ServeTextSearch textSearch;

    /**
     * @param textModel  the libraries' model, whose text searches are measured; null: none (a
     *                   library without a model, vector searches only)
     * @param textSearch those text searches; null without a model
     */
    private ServeBenchmark(final URI url, final String bootstrap, final String topic, final AnnBenchmark.Dataset data,
                           final Map<String, Number> params, final String textModel,
                           final ServeTextSearch textSearch, final PrintStream progress) {
        this.url = url;
        this.textModel = textModel;
        this.textSearch = textSearch;
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.data = data;
        this.params = params;
        this.progress = progress;
    }

    static void run(final Options options, final AnnBenchmark.Dataset data, final Map<String, Number> params,
                    final PrintStream out, final PrintStream progress) {
        List<String> kinds = List.of(options.get("index", "ivf").split(","));
        for (String kind : kinds) {
            if (!IndexFactory.KINDS.contains(kind)) {
                throw new Options.UsageException("--index must be among " + IndexFactory.KINDS + ", comma-separated");
            }
        }
        int[] clients = Arrays.stream(options.get("clients", "1,2,4,8").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        double[] loads = Arrays.stream(options.get("loads", "0.5,1,2").split(",")).mapToDouble(Double::parseDouble)
                .toArray();
        Runs runs = new Runs(kinds, clients, loads, Double.parseDouble(options.get("seconds", "5")),
                new Report(out, options.flag("json")));
        Path modelRoot = Path.of(options.get("model-dir", ModelCommand.defaultArtifactsRoot().toString()));
        int textSearches = Integer.parseInt(options.get("text-searches", "300"));
        try (DjlEmbedder model = textModel(textSearches, modelRoot, data.base()[0].length, progress)) {
            run(options, data, params, runs, model, modelRoot, textSearches, progress);
        }
    }

    /** What is run against each library, and where its rows go. */
    private record Runs(List<String> kinds, int[] clients, double[] loads, double seconds, Report report) {
    }

    /** The benchmark with the text model loaded here (null: no text searches). */
    private static void run(final Options options, final AnnBenchmark.Dataset data, final Map<String, Number> params,
                            final Runs runs, final DjlEmbedder model, final Path modelRoot, final int textSearches,
                            final PrintStream progress) {
        String topic = options.get("topic", "vectorstream.events");
        String textModel = model == null ? null : KnownModel.DEFAULT.id();
        String given = options.get("url", null);
        if (given != null) {
            URI url = URI.create(given);
            ServeTextSearch text = model == null ? null : new ServeTextSearch(url, model, textSearches, progress);
            new ServeBenchmark(url, options.require("kafka"), topic, data, params, textModel, text, progress)
                    .measure(runs);
            return;
        }
        int partitions = Integer.parseInt(options.get("partitions", "3"));
        String logDir = options.get("log-dir", null);
        Path dir = Directories.temporary("vectorstream-bench-serve");
        ServiceProcess service = null;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
            int port = ServiceProcess.freePort();
            progress.printf("starting serve on port %d (%d partitions, embedded broker)%n", port, partitions);
            service = ServiceProcess.start(List.of("serve", "--kafka", broker.bootstrapServers(), "--port",
                    Integer.toString(port), "--partitions", Integer.toString(partitions), "--host", "127.0.0.1",
                    "--data-dir", dir.resolve("serve").toString(), "--model-dir",
                    (model == null ? dir.resolve("no-models") : modelRoot).toString()),
                    logDir == null ? null : Path.of(logDir).resolve("serve.log"));
            service.awaitLine("Ready in", Duration.ofMinutes(3));
            URI url = URI.create("http://127.0.0.1:" + port);
            ServeTextSearch text = model == null ? null : new ServeTextSearch(url, model, textSearches, progress);
            new ServeBenchmark(url, broker.bootstrapServers(), topic, data, params, textModel, text, progress)
                    .measure(runs);
        } finally {
            if (service != null) {
                service.stop();
            }
            Directories.deleteQuietly(dir);
        }
    }

    /**
     * The default model, loaded here, when text searches are asked for and the data's vectors are
     * its (its dimension); otherwise null, and why on the console.
     */
    private static DjlEmbedder textModel(final int searches, final Path modelRoot, final int dimension,
                                         final PrintStream progress) {
        if (searches <= 0) {
            return null;
        }
        String id = KnownModel.DEFAULT.id();
        if (!ModelBuilder.isBuilt(modelRoot, id)) {
            progress.printf("text search skipped: model %s is not built in %s (bin/vectorstream build-model)%n", id,
                    modelRoot);
            return null;
        }
        DjlEmbedder model;
        try {
            model = DjlEmbedder.load(ModelBuilder.modelDir(modelRoot, id));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load model " + id + " from " + modelRoot, e);
        }
        try {
            int modelDimension = model.embed(List.of("dimension"), Embedder.Purpose.QUERY)[0].length;
            if (modelDimension != dimension) {
                progress.printf("text search skipped: the data's vectors have %d dimensions, model %s's %d%n",
                        dimension, id, modelDimension);
                model.close();
                return null;
            }
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private void measure(final Runs runs) {
        List<String> kinds = runs.kinds();
        Report report = runs.report();
        progress.printf("data: %s, %,d x %d, %d queries; service %s%n", data.name(), data.base().length,
                data.base()[0].length, data.queries().length, url);
        List<String> libraries = new ArrayList<>();
        try {
            // Not measured: the service's first events run interpreted code; the flat library that
            // the others are compared with would otherwise pay for the JIT's warm-up alone.
            ingest("warm-up", "flat", Math.min(data.base().length, WARM_UP_EVENTS), libraries);
            Ingest flat = ingest("flat", libraries);
            report.ingest(flat, flat);
            for (String kind : kinds) {
                if (!"flat".equals(kind)) {
                    report.ingest(ingest(kind, libraries), flat);
                }
            }
            for (String kind : kinds) {
                search(kind, runs.clients(), runs.loads(), runs.seconds(), report);
            }
        } finally {
            for (String library : libraries) {
                http.send(HttpRequest.newBuilder(url.resolve("/v1/libraries/" + library)).DELETE());
            }
        }
    }

    private String library(final String kind) {
        return "bench-serve-" + kind + "-" + run;
    }

    /** Creates the library over HTTP, publishes every base vector as a raw chunk event, waits for all of them. */
    private Ingest ingest(final String kind, final List<String> libraries) {
        return ingest(kind, kind, data.base().length, libraries);
    }

    /** {@link #ingest(String, List)} of the first {@code n} vectors into library {@code name} of index {@code kind}. */
    private Ingest ingest(final String name, final String kind, final int n, final List<String> libraries) {
        String library = library(name);
        ObjectNode create = Json.MAPPER.createObjectNode().put("id", library).put("name", library)
                .put("dimension", data.base()[0].length).put("metric", "cosine");
        if (textModel != null) {
            create.put("model", textModel); // its query texts are embedded with it
        }
        ObjectNode index = create.putObject("index").put("kind", kind);
        if (!"flat".equals(kind) && !params.isEmpty()) {
            ObjectNode given = index.putObject("params");
            params.forEach((param, value) -> {
                if (value.doubleValue() == Math.rint(value.doubleValue())) {
                    given.put(param, value.longValue()); // as a user writes it: 1600, not 1600.0
                } else {
                    given.put(param, value.doubleValue());
                }
            });
        }
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(url.resolve("/v1/libraries?wait=true"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(create.toString())));
        if (created == null || created.statusCode() != 201) {
            throw new IllegalStateException("creating library " + library + " failed: "
                    + (created == null ? "no answer" : created.statusCode() + " " + created.body()));
        }
        libraries.add(library);
        progress.printf("ingest into %s (%s): publishing %,d chunk events%n", library, kind, n);
        long start = System.nanoTime();
        publish(library, n);
        double published = (System.nanoTime() - start) / 1e9;
        progress.printf("  published in %.1f s; waiting until every event is applied%n", published);
        long nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        long count;
        while ((count = chunkCount(library)) < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(library + ": " + count + " of " + n + " chunks applied in " + PATIENCE);
            }
            if (System.nanoTime() > nextReport) {
                progress.printf("  %,d of %,d applied (%.0f s)%n", Math.max(0, count), n, (System.nanoTime() - start) / 1e9);
                nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
            }
            Pause.millis(20, "the benchmark");
        }
        double applied = (System.nanoTime() - start) / 1e9;
        progress.printf("  every event applied after %.1f s; waiting until every shard's index is trained%n", applied);
        while (!trained(library)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(library + ": its indexes were not trained in " + PATIENCE);
            }
            Pause.millis(50, "the benchmark");
        }
        double trained = (System.nanoTime() - start) / 1e9 - applied;
        progress.printf("  trained %.1f s after the last event was applied%n", trained);
        return new Ingest(kind, n, published, applied, trained, n / applied);
    }

    private void publish(final String library, final int n) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            float[][] base = data.base();
            for (int i = 0; i < n; i++) {
                String event = "{\"type\":\"chunk.upserted\",\"libraryId\":\"" + library + "\",\"documentId\":\"d"
                        + i % 1000 + "\",\"chunkId\":\"c" + i + "\",\"payload\":{\"text\":\"t\",\"embedding\":\""
                        + Embeddings.toBase64(base[i]) + "\"}}";
                producer.send(new ProducerRecord<>(topic, library, event.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private long chunkCount(final String library) {
        JsonNode answer = BenchHttp.json(http.send(HttpRequest.newBuilder(url.resolve("/v1/libraries/" + library)).GET()));
        return answer == null ? -1 : answer.path("chunkCount").asLong(-1);
    }

    /**
     * Whether no shard's index has a training or build under way, and every one is trained except
     * an IVF index still under its training threshold (it searches exactly until it has that many).
     */
    private boolean trained(final String library) {
        JsonNode report = BenchHttp.json(http.send(HttpRequest.newBuilder(url.resolve("/v1/libraries/" + library + "/index")).GET()));
        if (report == null || !report.path("shards").isArray() || report.path("shards").isEmpty()) {
            return false;
        }
        int threshold = report.path("index").path("params").path("trainThreshold")
                .asInt(IvfParams.DEFAULT.trainThreshold());
        for (JsonNode shard : report.path("shards")) {
            boolean belowThreshold = "ivf".equals(shard.path("kind").asText()) && shard.path("size").asInt() < threshold;
            if (shard.path("training").asBoolean(true) || !shard.path("trained").asBoolean(false) && !belowThreshold) {
                return false;
            }
        }
        return true;
    }

    /** The in-process index, one client, the closed loop over every client count, the open loop at each load. */
    private void search(final String kind, final int[] clients, final double[] loads, final double seconds,
                        final Report report) {
        progress.printf("search %s: building the same index in this process over the same vectors%n", kind);
        long start = System.nanoTime();
        VectorIndex<Integer> index = IndexFactory.create(kind, data.base()[0].length, Metric.COSINE,
                "flat".equals(kind) ? Map.of() : params);
        long nextReport = start + PROGRESS_EVERY.toNanos();
        for (int i = 0; i < data.base().length; i++) {
            index.put(i, data.base()[i]);
            if (System.nanoTime() > nextReport) {
                progress.printf("  inserted %,d of %,d (%.0f s)%n", i + 1, data.base().length,
                        (System.nanoTime() - start) / 1e9);
                nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
            }
        }
        double buildS = (System.nanoTime() - start) / 1e9;
        HttpLoad load = new HttpLoad(url, "/v1/libraries/" + library(kind) + "/search",
                HttpLoad.searchBodies(data.queries()), data.groundTruth());
        int searches = data.queries().length;
        load.closed(1, Math.min(WARM_UP, searches));
        // In process before and after the one-client run, the better of the two: the machine's speed
        // moves between minutes, the ratio is taken against the same minutes.
        InProcess before = inProcess(kind, index, buildS);
        HttpLoad.Result one = load.closed(1, searches);
        InProcess after = inProcess(kind, index, buildS);
        InProcess reference = before.qps() >= after.qps() ? before : after;
        report.inProcess(reference);
        report.search(kind, one, reference);
        double peak = one.qps();
        for (int c : clients) {
            if (c != 1) {
                progress.printf("search %s: %d clients%n", kind, c);
                HttpLoad.Result result = load.closed(c, Math.max(searches, 300 * c));
                report.search(kind, result, reference);
                peak = Math.max(peak, result.qps());
            }
        }
        for (double share : loads) {
            double rate = share * peak;
            progress.printf("search %s: open loop at %.0f searches/s (%.2f x the peak) for %.0f s%n", kind, rate, share,
                    seconds);
            report.search(kind, load.open(rate, seconds, OPEN_CONNECTIONS), reference);
        }
        if (textSearch != null) {
            textSearch.run(kind, library(kind), index, report);
        }
    }

    private InProcess inProcess(final String kind, final VectorIndex<Integer> index, final double buildS) {
        float[][] queries = data.queries();
        for (int i = 0; i < Math.min(WARM_UP, queries.length); i++) {
            index.search(queries[i], K, SearchParams.DEFAULT, null);
        }
        long[] nanos = new long[queries.length];
        double recall = 0;
        long start = System.nanoTime();
        for (int q = 0; q < queries.length; q++) {
            long begin = System.nanoTime();
            List<Hit<Integer>> hits = index.search(queries[q], K, SearchParams.DEFAULT, null);
            nanos[q] = System.nanoTime() - begin;
            Set<Integer> truth = new HashSet<>();
            for (int t = 0; t < K && t < data.groundTruth()[q].length; t++) {
                truth.add(data.groundTruth()[q][t]);
            }
            recall += hits.stream().filter(h -> truth.contains(h.key())).count() / (double) K;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(nanos);
        return new InProcess(kind, buildS, queries.length / seconds, recall / queries.length,
                HttpLoad.millisAt(nanos, 0.5), HttpLoad.millisAt(nanos, 0.99));
    }

    /** The rows: a table, or one JSON object each. */
    static final class Report {
        private final PrintStream out;
        private final boolean json;
        private boolean searchHeader;

        Report(final PrintStream out, final boolean json) {
            this.out = out;
            this.json = json;
        }

        void ingest(final Ingest ingest, final Ingest flat) {
            double ratio = ingest.appliedS() / flat.appliedS();
            if (json) {
                ObjectNode node = Json.MAPPER.valueToTree(ingest);
                node.put("row", "ingest").put("x_flat_time", round(ratio));
                out.println(node);
                return;
            }
            out.printf("ingest %-5s %,d events: published in %.1f s, every event applied after %.1f s (%,.0f events/s, "
                    + "%.2fx the flat library's time), index trained %.1f s after that%n", ingest.index(), ingest.events(),
                    ingest.publishS(), ingest.appliedS(), ingest.eventsPerS(), ratio, ingest.trainedS());
        }

        void inProcess(final InProcess reference) {
            if (json) {
                ObjectNode node = Json.MAPPER.valueToTree(reference);
                node.put("row", "in-process");
                out.println(node);
                return;
            }
            out.printf("in process %-5s built in %.1f s; one thread: %,.0f q/s, recall@10 %.3f, p50 %.2f ms, p99 %.2f ms%n",
                    reference.index(), reference.buildS(), reference.qps(), reference.recallAt10(), reference.p50Ms(),
                    reference.p99Ms());
        }

        void search(final String kind, final HttpLoad.Result r, final InProcess reference) {
            if (json) {
                ObjectNode node = Json.MAPPER.valueToTree(r);
                node.put("row", "http").put("index", kind).put("x_in_process", round(r.qps() / reference.qps()));
                out.println(node);
                return;
            }
            if (!searchHeader) {
                out.printf("%-5s %-6s %7s %8s %8s %9s %8s %8s %8s %8s %11s %8s %6s %7s%n", "index", "loop", "clients",
                        "offered", "q/s", "x in-proc", "recall", "p50 ms", "p95 ms", "p99 ms", "server p99", "answered",
                        "429", "errors");
                searchHeader = true;
            }
            out.printf("%-5s %-6s %7d %8s %8.0f %9.2f %8.3f %8.2f %8.2f %8.2f %11.2f %8d %6d %7d%n", kind, r.mode(),
                    r.clients(), r.offeredQps() > 0 ? String.format("%.0f", r.offeredQps()) : "-", r.qps(),
                    r.qps() / reference.qps(), r.recallAt10(), r.p50Ms(), r.p95Ms(), r.p99Ms(), r.serverP99Ms(),
                    r.answered(), r.refused(), r.errors());
        }

        void textReference(final ServeTextSearch.Reference reference) {
            if (json) {
                ObjectNode node = Json.MAPPER.valueToTree(reference);
                node.put("row", "text-in-process");
                out.println(node);
                return;
            }
            out.printf("in process %-5s the bare model and the index, one query at a time: %,.0f q/s, p50 %.2f ms, "
                    + "p99 %.2f ms; the index alone on the texts' vectors %,.0f q/s%n", reference.index(), reference.qps(),
                    reference.p50Ms(), reference.p99Ms(), reference.indexQps());
        }

        /** A text search row: its q/s against {@code referenceQps} of {@code referenceName} in process. */
        void text(final String kind, final String texts, final HttpLoad.Result r, final double referenceQps,
                  final String referenceName) {
            if (json) {
                ObjectNode node = Json.MAPPER.valueToTree(r);
                node.put("row", "http-text").put("index", kind).put("texts", texts)
                        .put("x_in_process", round(r.qps() / referenceQps)).put("in_process", referenceName);
                out.println(node);
                return;
            }
            out.printf("text  %-5s %-8s one client: %,.0f q/s = %.2fx the %s in process, p50 %.2f ms, p95 %.2f ms, "
                    + "p99 %.2f ms, server p99 %.2f ms, %d answered, %d refused, %d errors%n", kind, texts, r.qps(),
                    r.qps() / referenceQps, referenceName, r.p50Ms(), r.p95Ms(), r.p99Ms(), r.serverP99Ms(),
                    r.answered(), r.refused(), r.errors());
        }

        private static double round(final double value) {
            return Math.round(value * 1000) / 1000.0;
        }
    }
}
