package io.vectorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.bench.DurabilityBenchmark.Result;
import io.vectorstream.schema.Json;
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
import java.util.List;
import java.util.function.Consumer;

/**
 * The killed path of {@code bench durability}: {@code vectorstream serve} in its own JVM on the
 * benchmark's state and broker, killed with SIGKILL once it answers with every chunk, then
 * started again on what it left; measured from the new process's start until every shard answers
 * with every chunk over HTTP. A kill cannot be had in-process: the files must be left open by a
 * process that never ran its shutdown.
 */
final class KilledRestartBenchmark {

    private static final Duration PATIENCE = Duration.ofMinutes(3);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(3);

    private final List<String> serve;
    private final int port;
    private final List<String> libraries;
    private final long chunks;
    private final PrintStream progress;
    private final Path logDir;
    private int started;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private KilledRestartBenchmark(final String bootstrap, final Path dataDir, final List<String> libraries,
                                   final long chunks, final PrintStream progress, final Path logDir) {
        this.port = ServiceProcess.freePort();
        this.serve = List.of("serve", "--kafka", bootstrap, "--port", Integer.toString(port), "--host", "127.0.0.1",
                "--data-dir", dataDir.toString(), "--model-dir", dataDir.resolve("no-models").toString());
        this.libraries = libraries;
        this.chunks = chunks;
        this.progress = progress;
        this.logDir = logDir;
        if (logDir != null) {
            try {
                Files.createDirectories(logDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + logDir, e);
            }
        }
    }

    /**
     * Runs {@code kills} kill-and-restart rounds on the state under {@code dataDir} (its
     * {@code streams} folder, closed cleanly), reporting each restart. With a {@code logDir}, each
     * service process's output goes to {@code serve-N.log} there (where its start-up time went).
     */
    static void run(final int kills, final String bootstrap, final Path dataDir, final List<String> libraries,
                    final long chunks, final PrintStream progress, final Path logDir,
                    final Consumer<Result> report) {
        if (kills <= 0) {
            return;
        }
        new KilledRestartBenchmark(bootstrap, dataDir, libraries, chunks, progress, logDir).rounds(kills, report);
    }

    private void rounds(final int kills, final Consumer<Result> report) {
        progress.println("killed restart: serve in its own JVM on the benchmark's state...");
        ServiceProcess service = startService();
        try {
            service.awaitLine("Ready in", PATIENCE);
            awaitEveryChunk(service, "before the first kill");
            for (int round = 1; round <= kills; round++) {
                service.kill();
                long start = System.nanoTime();
                service = startService();
                String ready = service.awaitLine("Ready in", PATIENCE);
                awaitEveryChunk(service, "killed restart " + round);
                double seconds = (System.nanoTime() - start) / 1e9;
                awaitEveryIndexTrained(service, "killed restart " + round);
                double trained = (System.nanoTime() - start) / 1e9;
                report.accept(new Result("killed restart", seconds, "s", String.format(
                        "kill %d of %d (SIGKILL while idle): new JVM to every shard answering with %,d chunks over "
                        + "HTTP; every index trained after %.1f s; it printed \"%s\"", round, kills, chunks,
                        trained, ready.strip())));
            }
        } finally {
            service.stop();
        }
    }

    private ServiceProcess startService() {
        Path log = logDir == null ? null : logDir.resolve("serve-" + started + ".log");
        started++;
        return ServiceProcess.start(serve, log);
    }

    private void awaitEveryChunk(final ServiceProcess service, final String phase) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        long nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
        long answering;
        while ((answering = chunksAnswering()) != chunks) {
            if (System.nanoTime() > deadline || !service.isAlive()) {
                throw new IllegalStateException(phase + ": " + answering + " of " + chunks + " chunks answering after "
                        + "waiting; the service's output:\n" + service.output());
            }
            if (System.nanoTime() > nextReport) {
                progress.printf("  %s: %,d chunks answering%n", phase, Math.max(0, answering));
                nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
            }
            Pause.millis(20, "the benchmark");
        }
    }

    /**
     * Waits until every shard's index of every library reports itself trained: an opened shard
     * answers first, searching exactly, and trains IVF (hashes LSH) indexes after.
     */
    private void awaitEveryIndexTrained(final ServiceProcess service, final String phase) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!everyIndexTrained()) {
            if (System.nanoTime() > deadline || !service.isAlive()) {
                throw new IllegalStateException(phase + ": indexes not trained in time; the service's output:\n"
                        + service.output());
            }
            Pause.millis(100, "the benchmark");
        }
    }

    private boolean everyIndexTrained() {
        for (String library : libraries) {
            JsonNode report = get("/v1/libraries/" + library + "/index");
            if (report == null || !report.path("shards").isArray() || report.path("shards").isEmpty()) {
                return false;
            }
            for (JsonNode shard : report.path("shards")) {
                if (!shard.path("trained").asBoolean(false)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The JSON answer of a GET, or null when the service does not answer it with 200 (yet). */
    private JsonNode get(final String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Json.MAPPER.readTree(response.body()) : null;
        } catch (IOException notListeningYet) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The chunks of every library, or -1 while a library or one of its shards does not answer. */
    private long chunksAnswering() {
        long total = 0;
        for (String library : libraries) {
            JsonNode answer = get("/v1/libraries/" + library);
            JsonNode count = answer == null ? null : answer.get("chunkCount");
            if (count == null) {
                return -1;
            }
            total += count.asLong();
        }
        return total;
    }
}
