package io.vectorstream.cli;

import io.vectorstream.embed.Models;
import io.vectorstream.kafka.EmbeddedKafkaBroker;
import io.vectorstream.store.IndexMemory;
import io.vectorstream.stream.ApplicationReset;
import io.vectorstream.stream.IngestStreams;
import io.vectorstream.stream.ReplayLag;
import io.vectorstream.util.Pause;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;

/**
 * {@code rebuild}: resets the application ({@link ApplicationReset}) and runs the topology in
 * this process until it has replayed every event and applied every chunk record, printing
 * progress, then stops it cleanly so that the next instance on the same data folder starts warm.
 * Interrupted (killed, Ctrl-C), it is simply run again: the reset starts over.
 */
final class RebuildCommand {

    /** How often progress is printed. */
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);

    private RebuildCommand() {
    }

    static void run(final ServiceConfig config, final PrintStream out) {
        Path dataDir = config.dataDir();
        String kafka = config.kafka().bootstrap().orElse(null);
        EmbeddedKafkaBroker broker = null;
        if (kafka == null) {
            out.println("No --kafka given: starting the embedded broker of " + dataDir.resolve("kafka")
                    + " (stop dev first).");
            broker = EmbeddedKafkaBroker.start(dataDir.resolve("kafka"), config.dev().kafkaPort());
            kafka = broker.bootstrapServers();
        }
        IndexMemory.setBudget(config.memory());
        try (Models models = ModelCommand.models(config)) {
            IngestStreams.Settings settings = Main.settings(kafka, config, "localhost:0", models);
            rebuild(settings, out);
            models.cacheStats().forEach(stats -> out.printf(
                    "Embedding cache of %s: %,d texts found, %,d embedded by the model.%n",
                    stats.modelId(), stats.hits(), stats.misses()));
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    static void rebuild(final IngestStreams.Settings settings, final PrintStream out) {
        try (Admin admin = Admin.create(settings.clientConfig())) {
            out.println("Resetting application '" + settings.applicationId() + "' on " + settings.bootstrapServers()
                    + " (the events topic is kept):");
            ApplicationReset.reset(admin, settings, line -> out.println("  " + line));
            long start = System.nanoTime();
            ReplayLag lag;
            try (IngestStreams ingest = IngestStreams.start(settings)) {
                Thread closer = new Thread(ingest::close, "vectorstream-rebuild-shutdown");
                Runtime.getRuntime().addShutdownHook(closer);
                lag = replay(admin, ingest, out, start);
                Runtime.getRuntime().removeShutdownHook(closer);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("Rebuilt in %.1f s: %,d events replayed (%,.0f events/s). The shard state under %s is "
                    + "closed cleanly: the next instance on it starts without restoring.%n", seconds, lag.eventsTotal(),
                    lag.eventsTotal() / Math.max(seconds, 1e-3), settings.stateDir());
        }
    }

    /** Waits until the lag is zero and every store is restored, printing progress; returns the last lag. */
    private static ReplayLag replay(final Admin admin, final IngestStreams ingest, final PrintStream out,
                                    final long startNanos) {
        long nextReport = System.nanoTime();
        int quietChecks = 0;
        while (true) {
            if (!ingest.isAlive()) {
                throw new IllegalStateException("the stream processor stopped during the replay (state "
                        + ingest.streams().state() + "); see the log above, then run rebuild again");
            }
            long held = ingest.heldEvents();
            ReplayLag lag = ReplayLag.measure(admin, ingest.settings().applicationId(), ingest.settings().topics());
            // Held events (waiting for an embedding batch) have committed input offsets but no records
            // in the shards yet; once released, their records count as lag only when their transaction
            // commits. So: nothing held and no lag, twice in a row, more than a commit interval apart.
            quietChecks = held == 0 && lag.caughtUp() && ingest.isReady() ? quietChecks + 1 : 0;
            boolean done = quietChecks >= 2;
            if (done || System.nanoTime() >= nextReport) {
                out.println(progressLine(lag, (System.nanoTime() - startNanos) / 1e9));
                nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
            }
            if (done) {
                return lag;
            }
            Pause.millis(250, "the replay");
        }
    }

    static String progressLine(final ReplayLag lag, final double seconds) {
        double rate = seconds > 0 ? lag.eventsDone() / seconds : 0;
        long left = lag.eventsTotal() - lag.eventsDone();
        String eta = left == 0 ? "events done" : rate > 0 ? String.format("about %.0f s left", left / rate) : "starting";
        return String.format("  replayed %,d / %,d events (%.0f%%), %,.0f events/s, %s; %,d chunk records to apply",
                lag.eventsDone(), lag.eventsTotal(), lag.eventsTotal() == 0 ? 100.0 : 100.0 * lag.eventsDone()
                        / lag.eventsTotal(), rate, eta, lag.chunksBehind());
    }
}
