package io.vectorstream.cli;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.vectorstream.cluster.ClusterSecret;
import io.vectorstream.embed.ModelOptions;
import io.vectorstream.embed.Precision;
import io.vectorstream.schema.Limits;
import io.vectorstream.security.TlsStores;
import io.vectorstream.service.SearchAdmission;
import io.vectorstream.store.IndexMemory;
import io.vectorstream.stream.KafkaClients;
import io.vectorstream.stream.Replication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The settings of a command, typed once at start-up from the configuration ({@link ConfigLoader})
 * and passed down; nothing below the command line reads a setting by itself.
 *
 * @param modelDir         where built models are
 * @param streamThreads    Kafka Streams threads of this instance
 * @param modelHttpThreads PyTorch threads per operation of the HTTP service's model calls
 * @param metricsNeedKey   whether {@code /observe/metrics} needs an API key while there are keys
 * @param tls              HTTPS ({@code http.tls.*}), if configured
 */
record ServiceConfig(Kafka kafka, Http http, Cluster cluster, Path dataDir, Path modelDir, Dev dev,
                     int streamThreads, ModelOptions model, int modelHttpThreads, Limits limits,
                     IndexMemory.Budget memory, Logging logging, Path apiKeysFile, boolean metricsNeedKey,
                     Optional<TlsStores> tls) {

    /**
     * @param bootstrap        empty when none is configured (dev and rebuild then start the embedded broker)
     * @param replication      replicas of the topics an instance creates; {@link Replication#AUTO}: as
     *                         many as the cluster has brokers, up to 3
     * @param clientProperties settings of every Kafka client (security, SASL, TLS), from {@code kafka.client-properties}
     */
    record Kafka(Optional<String> bootstrap, int partitions, short replication, Map<String, String> clientProperties) {
    }

    /**
     * @param advertisedHost       the host other instances reach this one at
     * @param advertisedExplicitly whether it was configured (several instances) rather than derived
     */
    record Http(String host, int port, String advertisedHost, boolean advertisedExplicitly, int maxConcurrentRequests,
                int maxQueuedRequests, int maxConcurrentSearches, int shardSearchThreads, Set<String> allowedHosts) {
    }

    /**
     * @param secret          empty: none
     * @param insecure        ask and serve other instances without a secret
     * @param standbyReplicas warm copies of each shard on other instances
     */
    record Cluster(Optional<String> secret, boolean insecure, int standbyReplicas, Duration readDeadline,
                   long searchMaxLag) {

        QueryService.Cluster forService() {
            ClusterSecret s = secret.map(ClusterSecret::of)
                    .orElse(insecure ? ClusterSecret.insecure() : ClusterSecret.none());
            return new QueryService.Cluster(s, readDeadline, searchMaxLag);
        }
    }

    record Dev(int kafkaPort, boolean exampleData) {
    }

    /** The API keys' file under the data folder, unless {@code security.api-keys-file} says otherwise. */
    static final String API_KEYS_FILE = "api-keys.json";

    /**
     * @param level what the console shows
     * @param file  a log file, if any
     */
    record Logging(String level, Optional<Path> file) {
        static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug", "trace");
    }

    /**
     * Reads and checks every setting.
     *
     * @throws Options.UsageException naming the key of a value that does not fit
     */
    static ServiceConfig from(final Config config) {
        try {
            String host = text(config, "http.host");
            String advertised = text(config, "http.advertised-host");
            int modelThreads = atLeast(config, "model.threads", 1);
            int httpThreads = atLeast(config, "model.http-threads", 0);
            IndexMemory.Budget defaults = IndexMemory.Budget.DEFAULT;
            long instanceBytes = atLeastLong(config, "limits.index-memory-bytes", 0);
            long libraryBytes = atLeastLong(config, "limits.library-memory-bytes", 0);
            String level = text(config, "logging.level").toLowerCase(Locale.ROOT);
            if (!Logging.LEVELS.contains(level)) {
                throw new Options.UsageException("logging.level must be one of error, warn, info, debug, trace, was '"
                        + level + "'");
            }
            String modelDir = text(config, "model-dir");
            String bootstrap = text(config, "kafka.bootstrap");
            String logFile = text(config, "logging.file");
            String secret = text(config, "cluster.secret").strip();
            String keysFile = text(config, "security.api-keys-file").strip();
            return new ServiceConfig(
                    new Kafka(bootstrap.isBlank() ? Optional.empty() : Optional.of(bootstrap.strip()),
                            atLeast(config, "kafka.partitions", 1), (short) between(config, "kafka.replication", 0,
                            Short.MAX_VALUE), clientProperties(config)),
                    new Http(host, port(config, "http.port"),
                            advertised.isBlank() ? ("0.0.0.0".equals(host) ? "localhost" : host) : advertised,
                            !advertised.isBlank(),
                            atLeast(config, "http.max-concurrent-requests", 1),
                            atLeast(config, "http.max-queued-requests", 0),
                            concurrentSearches(atLeast(config, "http.max-concurrent-searches", 0)),
                            between(config, "http.shard-search-threads", 0, 256),
                            Arrays.stream(text(config, "http.allowed-hosts").split(",")).map(String::strip)
                                    .filter(h -> !h.isEmpty()).collect(Collectors.toUnmodifiableSet())),
                    new Cluster(secret.isBlank() ? Optional.empty() : Optional.of(secret), bool(config, "cluster.insecure"),
                            between(config, "cluster.standby-replicas", 0, 10),
                            Duration.ofMillis(atLeastLong(config, "cluster.read-deadline-ms", 1)),
                            atLeastLong(config, "cluster.search-max-lag-offsets", -1)),
                    Path.of(text(config, "data-dir")),
                    modelDir.isBlank() ? ModelCommand.defaultArtifactsRoot() : Path.of(modelDir),
                    new Dev(port(config, "dev.kafka-port"), bool(config, "dev.example-data")),
                    atLeast(config, "stream.threads", 1),
                    new ModelOptions(precision(config), atLeast(config, "model.batch", 1), modelThreads,
                            atLeastLong(config, "embedding-cache.entries", 0)),
                    httpThreads == 0 ? modelThreads : httpThreads,
                    limits(config),
                    new IndexMemory.Budget(instanceBytes == 0 ? defaults.instanceBytes() : instanceBytes,
                            libraryBytes == 0 ? defaults.libraryBytes() : libraryBytes),
                    new Logging(level, logFile.isBlank() ? Optional.empty() : Optional.of(Path.of(logFile))),
                    keysFile.isBlank() ? Path.of(text(config, "data-dir")).resolve(API_KEYS_FILE) : Path.of(keysFile),
                    bool(config, "security.metrics-need-key"), tls(config));
        } catch (ConfigException e) {
            throw new Options.UsageException("configuration: " + e.getMessage());
        }
    }

    private static Optional<TlsStores> tls(final Config config) {
        String keystore = text(config, "http.tls.keystore").strip();
        String truststore = text(config, "http.tls.truststore").strip();
        if (keystore.isEmpty()) {
            if (!truststore.isEmpty()) {
                throw new Options.UsageException("http.tls.truststore is set without http.tls.keystore");
            }
            return Optional.empty();
        }
        for (String file : new String[] {keystore, truststore}) {
            if (!file.isEmpty() && !Files.isReadable(Path.of(file))) {
                throw new Options.UsageException("http.tls: cannot read " + file);
            }
        }
        TlsStores stores = new TlsStores(Path.of(keystore), text(config, "http.tls.keystore-password"),
                truststore.isEmpty() ? null : Path.of(truststore), text(config, "http.tls.truststore-password"));
        try { // a wrong password or format stops the command now, before anything starts
            stores.serverContext();
            stores.clientContext();
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException(e.getMessage());
        }
        return Optional.of(stores);
    }

    private static Map<String, String> clientProperties(final Config config) {
        String file = text(config, "kafka.client-properties").strip();
        if (file.isEmpty()) {
            return Map.of();
        }
        try {
            return KafkaClients.load(Path.of(file));
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("kafka.client-properties: " + e.getMessage());
        }
    }

    private static Limits limits(final Config config) {
        try {
            return new Limits(atLeast(config, "limits." + Limits.METADATA_BYTES, 1),
                    atLeast(config, "limits." + Limits.TEXT_BYTES, 1),
                    atLeast(config, "limits." + Limits.CHUNKS_PER_DOCUMENT, 1));
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("limits: " + e.getMessage());
        }
    }

    private static Optional<Precision> precision(final Config config) {
        try {
            return ModelOptions.parsePrecision(text(config, "model.precision"));
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("model.precision " + e.getMessage());
        }
    }

    private static String text(final Config config, final String key) {
        return config.get(key).asString().orElse("");
    }

    private static boolean bool(final Config config, final String key) {
        String value = text(config, key).strip().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new Options.UsageException(key + " must be true or false, was '" + value + "'");
        };
    }

    private static int port(final Config config, final String key) {
        return between(config, key, 0, 65_535);
    }

    /** {@code http.max-concurrent-searches}: 0 for one per core ({@link SearchAdmission#defaultConcurrency}). */
    private static int concurrentSearches(final int configured) {
        return configured == 0 ? SearchAdmission.defaultConcurrency() : configured;
    }

    private static int atLeast(final Config config, final String key, final int min) {
        return between(config, key, min, Integer.MAX_VALUE);
    }

    private static int between(final Config config, final String key, final int min, final int max) {
        long value = atLeastLong(config, key, min);
        if (value > max) {
            throw new Options.UsageException(key + " must be at most " + max + ", was " + value);
        }
        return (int) value;
    }

    private static long atLeastLong(final Config config, final String key, final long min) {
        String text = text(config, key).strip().replace("_", "");
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new Options.UsageException(key + " must be a whole number, was '" + text + "'");
        }
        if (value < min) {
            throw new Options.UsageException(key + " must be at least " + min + ", was " + value);
        }
        return value;
    }
}
