package io.vectorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.cli.ModelCommand;
import io.vectorstream.cli.Options;
import io.vectorstream.cli.QueryService;
import io.vectorstream.embed.DjlEmbedder;
import io.vectorstream.embed.Embedder;
import io.vectorstream.embed.KnownModel;
import io.vectorstream.embed.ModelBuilder;
import io.vectorstream.embed.ModelOptions;
import io.vectorstream.embed.Models;
import io.vectorstream.kafka.EmbeddedKafkaBroker;
import io.vectorstream.schema.Json;
import io.vectorstream.store.ShardStoreOptions;
import io.vectorstream.stream.IngestStreams;
import io.vectorstream.stream.Topics;
import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code vectorstream bench embed}: sentences per second of the bare model at several batch
 * sizes, then of the whole pipeline (text chunk events in, indexed chunks out, on an embedded
 * broker), the latency of text queries over HTTP, and the resident memory of the process.
 * Progress goes to standard error, results to standard output.
 */
final class EmbedBenchmark {

    /** One measured figure. */
    record Result(String name, String setting, double value, String unit) {
    }

    private EmbedBenchmark() {
    }

    static void run(final Options options, final PrintStream out, final PrintStream progress) {
        KnownModel model = KnownModel.byId(options.get("model", KnownModel.DEFAULT.id()));
        Path modelRoot = Path.of(options.get("model-dir", ModelCommand.defaultArtifactsRoot().toString()));
        ModelCommand.requireBuilt(modelRoot, model);
        int sentences = Integer.parseInt(options.get("sentences", "2000"));
        int events = Integer.parseInt(options.get("pipeline-events", "1500"));
        int rounds = Integer.parseInt(options.get("pipeline-rounds", "3"));
        int[] batches = Arrays.stream(options.get("batch", "1,8,32").split(",")).mapToInt(Integer::parseInt).toArray();
        boolean json = options.flag("json");
        Consumer<Result> report = result -> {
            if (json) {
                ObjectNode node = Json.MAPPER.createObjectNode();
                node.put("benchmark", result.name());
                node.put("setting", result.setting());
                node.put("value", Math.round(result.value() * 100) / 100.0);
                node.put("unit", result.unit());
                out.println(node);
            } else {
                out.printf("%-28s %-34s %10.2f %s%n", result.name(), result.setting(), result.value(), result.unit());
            }
        };
        progress.printf("model %s, %d model thread(s) per call, at most %d texts per forward pass, %d cores%n",
                model.id(), Integer.getInteger("vectorstream.model.threads", 1),
                DjlEmbedder.MAX_BATCH, Runtime.getRuntime().availableProcessors());
        bareModel(ModelBuilder.modelDir(modelRoot, model.id()), sentences, batches, progress, report);
        if (events > 0) {
            pipeline(modelRoot, model.id(), events, rounds, sentences / 2, progress, report);
        }
        report.accept(new Result("process", "resident memory (VmRSS)", residentMiB(), "MiB"));
    }

    private static void bareModel(final Path modelDir, final int count, final int[] batches,
                                  final PrintStream progress, final Consumer<Result> report) {
        List<String> texts = sentences(count, 11);
        try (DjlEmbedder embedder = DjlEmbedder.load(modelDir)) {
            progress.printf("dense layers in %s%n", embedder.precision().label());
            embedder.embed(sentences(64, 3), Embedder.Purpose.PASSAGE); // warm-up: first calls are slow
            for (int batch : batches) {
                report.accept(new Result("bare model", "batch " + batch + ", " + texts.size() + " sentences",
                        sentencesPerSecond(embedder, texts, batch, progress), "sentences/s"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sentences per second of {@code embedder} called with {@code batch} texts at a time. */
    private static double sentencesPerSecond(final Embedder embedder, final List<String> texts, final int batch,
                                             final PrintStream progress) {
        long start = System.nanoTime();
        long lastReport = start;
        for (int i = 0; i < texts.size(); i += batch) {
            embedder.embed(texts.subList(i, Math.min(texts.size(), i + batch)), Embedder.Purpose.PASSAGE);
            if (System.nanoTime() - lastReport > 5_000_000_000L) {
                lastReport = System.nanoTime();
                progress.printf("  batch %d: %d/%d sentences%n", batch, i, texts.size());
            }
        }
        return texts.size() / ((System.nanoTime() - start) / 1e9);
    }

    private static final String WARM_UP_LIBRARY = "warm-up";
    /** Longest wait for the pipeline to index everything (a dead-lettered event would be a bug). */
    private static final long INDEXING_TIMEOUT_NANOS = 600_000_000_000L;

    private static void requireBefore(final long deadline, final String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the pipeline did not index " + what + " within "
                    + INDEXING_TIMEOUT_NANOS / 1_000_000_000L + " s; see the log for dead letters");
        }
    }
    private static final int WARM_UP_EVENTS = 1_000;

    private static void pipeline(final Path modelRoot, final String modelId, final int events, final int rounds,
                                 final int bareSentences, final PrintStream progress, final Consumer<Result> report) {
        Path dir = Directories.temporary("vectorstream-bench-embed");
        progress.println("starting an embedded broker and the service for the pipeline run...");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
            // A fresh cache: every text is new, so the model runs on all of them.
            Models models = new Models(modelRoot, dir.resolve("embedding-cache"), ModelOptions.DEFAULT.cacheEntries());
            IngestStreams.Settings settings = IngestStreams.Settings.of(broker.bootstrapServers(),
                            dir.resolve("streams"), "localhost:0")
                    .withStoreOptions(ShardStoreOptions.DEFAULT).withModels(models);
            try (QueryService service = QueryService.start(settings, "127.0.0.1", 0)) {
                service.awaitReady(Duration.ofMinutes(2));
                for (String id : List.of(WARM_UP_LIBRARY, "bench")) {
                    ObjectNode library = Json.MAPPER.createObjectNode().put("id", id).put("name", id)
                            .put("model", modelId);
                    service.reader().awaitApplied(service.writes().createLibrary(null, library).token(),
                            Duration.ofSeconds(30));
                }
                // Before the clock starts: the model loaded and the Java code of the whole path
                // compiled, as in a service that has been running (the bare model is warmed up too).
                progress.printf("  warm-up: %d events%n", WARM_UP_EVENTS);
                publish(broker.bootstrapServers(), settings.topics(), WARM_UP_LIBRARY, 0,
                        sentences(WARM_UP_EVENTS, 5).stream().map(text -> "Warm-up: " + text).toList());
                awaitIndexed(service, WARM_UP_LIBRARY, WARM_UP_EVENTS, System.nanoTime(), progress);
                // This machine's speed moves by a third between minutes: each round compares the
                // pipeline with the bare model timed right before and right after it, in this
                // process, and the rounds' median is the figure.
                List<String> bareTexts = sentences(bareSentences, 11);
                double[] rates = new double[rounds];
                double[] bares = new double[rounds];
                double[] ratios = new double[rounds];
                double[] busy = new double[rounds];
                DjlEmbedder model = (DjlEmbedder) models.uncached(modelId);
                double bareBefore = sentencesPerSecond(model, bareTexts, 32, progress);
                for (int round = 0; round < rounds; round++) {
                    List<String> texts = sentences(events, 23 + round);
                    long start = System.nanoTime();
                    long busyAtStart = model.busyNanos();
                    publish(broker.bootstrapServers(), settings.topics(), "bench", round * events, texts);
                    awaitIndexed(service, "bench", (long) (round + 1) * events, start, progress);
                    long elapsed = System.nanoTime() - start;
                    busy[round] = (double) (model.busyNanos() - busyAtStart) / elapsed;
                    rates[round] = events / (elapsed / 1e9);
                    double bareAfter = sentencesPerSecond(model, bareTexts, 32, progress);
                    bares[round] = (bareBefore + bareAfter) / 2;
                    ratios[round] = rates[round] / bares[round];
                    progress.printf("  round %d/%d: pipeline %.0f chunks/s, bare model %.0f/s before and %.0f/s after: "
                            + "%.2fx; model busy %.0f%% of the round%n", round + 1, rounds, rates[round], bareBefore,
                            bareAfter, ratios[round], 100 * busy[round]);
                    bareBefore = bareAfter;
                }
                String setting = rounds + " rounds of " + events + " one-chunk text events";
                report.accept(new Result("pipeline", setting + ", median", median(rates), "chunks/s"));
                report.accept(new Result("bare model", "batch 32, mean of right before and after each round, median",
                        median(bares), "sentences/s"));
                report.accept(new Result("pipeline", "ratio to that bare model rate, median of the rounds",
                        median(ratios), "x"));
                report.accept(new Result("pipeline", "ratio, lowest round", Arrays.stream(ratios).min().orElseThrow(),
                        "x"));
                // Independent of the machine's speed: how much of each round the model was working.
                report.accept(new Result("pipeline", "model busy share of the round, median", median(busy), "x"));
                queryLatency(service.port(), model, progress, report);
            }
        }
    }

    private static double median(final double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** Waits, showing progress, until the library has {@code chunks} chunks; {@code start} is the clock's start. */
    private static void awaitIndexed(final QueryService service, final String libraryId, final long chunks,
                                     final long start, final PrintStream progress) {
        long lastReport = System.nanoTime();
        long deadline = lastReport + INDEXING_TIMEOUT_NANOS;
        long indexed;
        while ((indexed = chunkCount(service, libraryId)) < chunks) {
            requireBefore(deadline, chunks + " chunks of " + libraryId);
            if (System.nanoTime() - lastReport > 3_000_000_000L) {
                lastReport = System.nanoTime();
                progress.printf("  %s: %,d/%,d chunks indexed, %.1f s%n", libraryId, indexed, chunks,
                        (lastReport - start) / 1e9);
            }
            Pause.millis(50, "the benchmark");
        }
    }

    /** One chunk event per text, chunk ids {@code c<firstId>} on. */
    private static void publish(final String bootstrap, final Topics topics, final String libraryId, final int firstId,
                                final List<String> texts) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < texts.size(); i++) {
                ObjectNode event = Json.MAPPER.createObjectNode().put("type", "chunk.upserted").put("libraryId", libraryId)
                        .put("documentId", "doc-" + (i % 97)).put("chunkId", "c" + (firstId + i));
                event.putObject("payload").put("text", texts.get(i));
                producer.send(new ProducerRecord<>(topics.events(), libraryId, event.toString()));
            }
        }
    }

    private static long chunkCount(final QueryService service, final String libraryId) {
        return service.reader().library(libraryId).map(stats -> (long) stats.chunkCount()).orElse(0L);
    }

    /**
     * Latency of k=10 searches over HTTP, one at a time: by text (the model runs per query), then
     * by the same queries' vectors (no model), so the model's share of a text query shows. The
     * server-side figure is the response's {@code tookMs} (library lookup, embedding, search).
     * Beside them, the model alone on the same texts, called directly on this thread.
     */
    private static void queryLatency(final int port, final Embedder model, final PrintStream progress,
                                     final Consumer<Result> report) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String search = "/v1/libraries/bench/search";
        List<String> queries = sentences(220, 99);
        double[] modelMs = new double[queries.size()];
        for (int i = 0; i < queries.size(); i++) {
            long start = System.nanoTime();
            model.embed(List.of(queries.get(i)), Embedder.Purpose.QUERY);
            modelMs[i] = (System.nanoTime() - start) / 1e6;
        }
        double[] measured = Arrays.copyOfRange(modelMs, 20, modelMs.length);
        Arrays.sort(measured);
        report.accept(new Result("text query", "p50 of the model alone (same texts, called directly)",
                measured[measured.length / 2], "ms"));
        progress.println("  text queries over HTTP...");
        List<ObjectNode> byText = queries.stream()
                .map(q -> Json.MAPPER.createObjectNode().put("text", q).put("k", 10)).toList();
        Latencies text = timeRequests(http, port, search, byText);
        report.accept(new Result("text query over HTTP", "p50, k=10, flat index", text.client(0.5), "ms"));
        report.accept(new Result("text query over HTTP", "p99, k=10, flat index", text.client(0.99), "ms"));
        report.accept(new Result("text query over HTTP", "p50 inside the server (tookMs)", text.server(0.5), "ms"));
        progress.println("  vector queries over HTTP...");
        List<ObjectNode> byVector = new ArrayList<>();
        for (String query : queries) {
            ObjectNode embedBody = Json.MAPPER.createObjectNode();
            embedBody.put("purpose", "query").putArray("texts").add(query);
            ObjectNode request = Json.MAPPER.createObjectNode().put("k", 10);
            request.set("vector", send(http, port, "/v1/embed", embedBody).get("embeddings").get(0));
            byVector.add(request);
        }
        Latencies vector = timeRequests(http, port, search, byVector);
        report.accept(new Result("vector query over HTTP", "p50, k=10, flat index", vector.client(0.5), "ms"));
        report.accept(new Result("vector query over HTTP", "p50 inside the server (tookMs)", vector.server(0.5), "ms"));
    }

    /** Client-side and server-side milliseconds of requests, sorted. */
    private record Latencies(double[] clientMs, double[] serverMs) {
        double client(final double quantile) {
            return clientMs[(int) (clientMs.length * quantile)];
        }

        double server(final double quantile) {
            return serverMs[(int) (serverMs.length * quantile)];
        }
    }

    private static Latencies timeRequests(final HttpClient http, final int port, final String path,
                                          final List<ObjectNode> bodies) {
        int warmUp = 20; // the first requests compile code paths and are not counted
        double[] client = new double[bodies.size() - warmUp];
        double[] server = new double[bodies.size() - warmUp];
        for (int i = 0; i < bodies.size(); i++) {
            long start = System.nanoTime();
            JsonNode answer = send(http, port, path, bodies.get(i));
            if (i >= warmUp) {
                client[i - warmUp] = (System.nanoTime() - start) / 1e6;
                server[i - warmUp] = answer.get("tookMs").asDouble();
            }
        }
        Arrays.sort(client);
        Arrays.sort(server);
        return new Latencies(client, server);
    }

    private static JsonNode send(final HttpClient http, final int port, final String path, final ObjectNode body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(path + " failed: " + response.body());
            }
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Short English sentences (8 to 14 words), seeded: subject, verb, object and a place, drawn
     * from small word lists, so that texts are distinct but read like real short texts.
     */
    static List<String> sentences(final int count, final long seed) {
        String[] subjects = {"The old farmer", "A young engineer", "My neighbour", "The committee", "A small child",
            "The new manager", "Our teacher", "The tired doctor", "A famous author", "The local baker"};
        String[] verbs = {"repaired", "described", "painted", "forgot", "carried", "ordered", "measured", "sold",
            "discovered", "cleaned"};
        String[] objects = {"a broken bicycle", "the quarterly report", "three wooden chairs", "a long letter",
            "the garden fence", "an expensive camera", "the kitchen window", "a box of old photographs",
            "the blue umbrella", "a bag of fresh apples"};
        String[] places = {"before lunch", "in the busy market", "near the river", "after the long meeting",
            "at the train station", "during the summer holidays", "behind the school", "in the quiet library"};
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(subjects[random.nextInt(subjects.length)] + " " + verbs[random.nextInt(verbs.length)] + " "
                    + objects[random.nextInt(objects.length)] + " " + places[random.nextInt(places.length)]
                    + " (" + i + ").");
        }
        return out;
    }

    private static double residentMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            // not Linux: no figure
        }
        return Double.NaN;
    }
}
