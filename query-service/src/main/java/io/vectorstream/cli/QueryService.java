package io.vectorstream.cli;

import io.helidon.common.concurrency.limits.FixedLimit;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.vectorstream.cluster.ClusterSecret;
import io.vectorstream.cluster.ClusterShards;
import io.vectorstream.cluster.ParallelShards;
import io.vectorstream.cluster.PeerClient;
import io.vectorstream.embed.KnownModel;
import io.vectorstream.security.ApiKeyFile;
import io.vectorstream.security.TlsStores;
import io.vectorstream.embed.ModelOptions;
import io.vectorstream.http.ApiRouting;
import io.vectorstream.http.HostGuard;
import io.vectorstream.http.SearchPage;
import io.vectorstream.observe.HttpMetricsFilter;
import io.vectorstream.observe.ServiceMetrics;
import io.vectorstream.service.EmbeddingService;
import io.vectorstream.service.EventPublisher;
import io.vectorstream.service.SearchAdmission;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.WriteService;
import io.vectorstream.store.ChronicleShardStore;
import io.vectorstream.store.IndexMemory;
import io.vectorstream.stream.IngestStreams;
import io.vectorstream.stream.ProcessingFailures;
import io.vectorstream.stream.ProductionFailures;
import io.vectorstream.util.Pause;
import java.time.Duration;
import java.util.Set;
import javax.net.ssl.SSLContext;
import java.util.function.Supplier;

/**
 * One instance of the service: a Kafka Streams instance of the topology and, in the same JVM,
 * the Helidon web server that queries its stores and publishes writes.
 */
public final class QueryService implements AutoCloseable {

    /** How long a request waits for one of the {@link Http#maxConcurrentRequests} at most. */
    static final Duration QUEUE_TIMEOUT = Duration.ofSeconds(2);

    /**
     * The HTTP side of an instance ({@code http.*} and {@code model.http-threads} of the configuration).
     *
     * @param port                  HTTP port, 0 for any free one
     * @param maxConcurrentRequests requests served at once. A request holds at most one body
     *                              (16 MiB) and a query's results: 64 bound what bodies can take to
     *                              1 GiB, within the default 2 GiB heap with the indexes
     * @param maxQueuedRequests     requests that may wait for one of those, each {@link #QUEUE_TIMEOUT} at most
     * @param maxConcurrentSearches searches run at once ({@link SearchAdmission}); more wait briefly, then get 429
     * @param shardSearchThreads    threads that search a search's other shards on this instance while
     *                              its own thread searches one ({@link ParallelShards}); 0: one after another
     * @param modelThreads          PyTorch threads per operation of the service's model calls
     */
    public record Http(String host, int port, int maxConcurrentRequests, int maxQueuedRequests,
                       int maxConcurrentSearches, int shardSearchThreads, int modelThreads, Cluster cluster,
                       Security security) {

        public Http {
            if (maxConcurrentRequests < 1 || maxQueuedRequests < 0 || maxConcurrentSearches < 1 || modelThreads < 1
                    || shardSearchThreads < 0) {
                throw new IllegalArgumentException("requests and searches at once and model threads must be at least 1,"
                        + " queued requests and shard search threads at least 0");
            }
        }

        /** The defaults of application.yaml on {@code host} and {@code port}, one instance alone. */
        public static Http of(final String host, final int port) {
            return new Http(host, port, 64, 256, SearchAdmission.defaultConcurrency(), 0, ModelOptions.DEFAULT_THREADS,
                    Cluster.ALONE, Security.OPEN);
        }

        public Http withMaxConcurrentSearches(final int searches) {
            return new Http(host, port, maxConcurrentRequests, maxQueuedRequests, searches, shardSearchThreads,
                    modelThreads, cluster, security);
        }

        public Http withShardSearchThreads(final int threads) {
            return new Http(host, port, maxConcurrentRequests, maxQueuedRequests, maxConcurrentSearches, threads,
                    modelThreads, cluster, security);
        }

        public Http withSecurity(final Security s) {
            return new Http(host, port, maxConcurrentRequests, maxQueuedRequests, maxConcurrentSearches,
                    shardSearchThreads, modelThreads, cluster, s);
        }
    }

    /**
     * Who may use the instance and how its HTTP is protected ({@code security.*}, {@code http.tls.*}).
     *
     * @param apiKeys        the keys; while the file holds none, the API is open
     * @param metricsNeedKey whether {@code /observe/metrics} needs a key (of scope metrics or admin)
     * @param tls            HTTPS, for clients and between instances; null: plain HTTP
     * @param allowedHosts   the {@code Host} names requests may name; empty: any
     */
    public record Security(ApiKeyFile apiKeys, boolean metricsNeedKey, TlsStores tls, Set<String> allowedHosts) {

        /** No keys: the API and the metrics are open, over plain HTTP, for any host name. */
        public static final Security OPEN = new Security(ApiKeyFile.disabled(), false, null, Set.of());

        public Security {
            allowedHosts = Set.copyOf(allowedHosts);
        }
    }

    /**
     * How the instance works with the other instances of its application ({@code cluster.*}).
     *
     * @param secret           what instance-to-instance requests carry and the internal endpoint requires
     * @param readDeadline     how long a read across instances may take, retries during a rebalance included
     * @param searchMaxLag     the records a standby copy may be behind to answer a search for a shard
     *                         whose active copy cannot; -1: never
     */
    public record Cluster(ClusterSecret secret, Duration readDeadline, long searchMaxLag) {

        /** No secret: this instance neither asks nor serves others. */
        public static final Cluster ALONE = new Cluster(ClusterSecret.none(), Duration.ofSeconds(5), 10_000);
    }

    private final IngestStreams ingest;
    private final EventPublisher publisher;
    private final WebServer server;
    private final ShardReader reader;
    private final WriteService writes;
    private final EmbeddingService embeddings;
    private final ClusterShards shards;
    private final PeerClient peers;
    private final ServiceMetrics metrics;
    private final SearchAdmission searchAdmission;

    private QueryService(final IngestStreams ingest, final EventPublisher publisher, final WebServer server,
                         final ShardReader reader, final WriteService writes, final EmbeddingService embeddings,
                         final ClusterShards shards, final PeerClient peers, final ServiceMetrics metrics,
                         final SearchAdmission searchAdmission) {
        this.searchAdmission = searchAdmission;
        this.shards = shards;
        this.metrics = metrics;
        this.peers = peers;
        this.ingest = ingest;
        this.embeddings = embeddings;
        this.publisher = publisher;
        this.server = server;
        this.reader = reader;
        this.writes = writes;
    }

    /**
     * Starts the stream processor and the HTTP server with the default HTTP settings.
     *
     * @param port HTTP port, 0 for any free one
     */
    public static QueryService start(final IngestStreams.Settings settings, final String host, final int port) {
        return start(settings, Http.of(host, port));
    }

    /** Starts the stream processor and the HTTP server. */
    public static QueryService start(final IngestStreams.Settings settings, final Http http) {
        String host = http.host();
        int port = http.port();
        // Before anything starts: stores that cannot be read must not leave a half-started instance.
        TlsStores tls = http.security().tls();
        SSLContext serverTls = tls == null ? null : tls.serverContext();
        SSLContext peerTls = tls == null ? null : tls.clientContext();
        IngestStreams ingest = IngestStreams.start(settings);
        EventPublisher publisher = new EventPublisher(settings.clientConfig(), settings.topics().events());
        PeerClient peers = new PeerClient(http.cluster().secret(), peerTls);
        ClusterShards shards = new ClusterShards(ingest.shards(), new ParallelShards(http.shardSearchThreads()), peers,
                http.cluster().secret());
        ServiceMetrics metrics = new ServiceMetrics(ingest.shards(), ingest.streams()::metrics);
        ShardReader reader = new ShardReader(shards, ingest.inputEnds(), http.cluster().readDeadline(),
                http.cluster().searchMaxLag(), metrics.registry());
        EmbeddingService embeddings = new EmbeddingService(settings.models(), KnownModel.DEFAULT.id(), http.modelThreads());
        WriteService writes = new WriteService(publisher, reader, embeddings, settings.limits());
        HealthCheck ready = new NamedCheck("streams", HealthCheckType.READINESS, () -> HealthCheckResponse.builder()
                .status(ingest.isReady()).detail("state", ingest.streams().state().name()).build());
        HealthCheck live = new NamedCheck("streams-alive", HealthCheckType.LIVENESS, () -> HealthCheckResponse.builder()
                .status(ingest.isAlive()).detail("state", ingest.streams().state().name()).build());
        // What the pipeline's invariant cost so far (README "The pipeline's invariant"): counts that
        // should stay 0, and the index memory against its budget (/observe/metrics has them all).
        HealthCheck pipeline = new NamedCheck("pipeline", HealthCheckType.LIVENESS, () -> HealthCheckResponse.builder()
                .status(true)
                .detail("replacedStreamThreads", ingest.replacedThreads())
                .detail("deadLettersFromFailures", ProcessingFailures.deadLettered())
                .detail("refusedSends", ProductionFailures.failedSends())
                .detail("changelogRecordsSkipped", ChronicleShardStore.skippedOnRestore())
                .detail("indexMemoryBytes", IndexMemory.used())
                .detail("indexMemoryBudgetBytes", IndexMemory.budget().instanceBytes())
                .build());
        SearchAdmission searchAdmission = new SearchAdmission(http.maxConcurrentSearches());
        WebServerConfig.Builder builder = WebServer.builder();
        if (serverTls != null) {
            builder.tls(Tls.builder().sslContext(serverTls).build());
        }
        WebServer server = builder
                .host(host)
                .port(port)
                // A declared body past the limit is refused before a byte of it is read (413), a
                // chunked one as soon as it passes it.
                .maxPayloadSize(ApiRouting.MAX_BODY_BYTES)
                // Requests past the limit wait in a bounded queue for a short while, then get 503
                // with Retry-After: memory and threads stay bounded under any load.
                .concurrencyLimit(FixedLimit.builder().permits(http.maxConcurrentRequests())
                        .queueLength(http.maxQueuedRequests())
                        .queueTimeout(QUEUE_TIMEOUT).build())
                .directHandlers(ApiRouting::registerDirectErrors)
                .addFeature(ObserveFeature.builder()
                        .addObserver(HealthObserver.builder().details(true).useSystemServices(false)
                                .addCheck(ready).addCheck(live).addCheck(pipeline).build())
                        .build())
                .routing(routing -> {
                    routing.addFilter(new HttpMetricsFilter(metrics.registry()));
                    if (!http.security().allowedHosts().isEmpty()) {
                        routing.addFilter(new HostGuard(http.security().allowedHosts()));
                    }
                    ApiRouting.registerMetrics(routing, metrics::scrape, http.security().apiKeys(),
                            http.security().metricsNeedKey());
                    ApiRouting.register(routing, reader, writes, embeddings, ingest::isReady,
                            new ApiRouting.Cluster(shards, http.cluster().secret(),
                                    () -> ingest.streams().state().name()),
                            http.security().apiKeys(), searchAdmission);
                    // Last: the page's files answer only what no route of the API took.
                    SearchPage.register(routing);
                })
                .build()
                .start();
        QueryService service = new QueryService(ingest, publisher, server, reader, writes, embeddings, shards, peers,
                metrics, searchAdmission);
        if (!server.isRunning() || server.port() < 0) {
            // Helidon logs a failed bind and returns: an instance without HTTP would stay in the
            // consumer group, advertising an address that is another process's.
            service.close();
            throw new CannotListenException("cannot listen on " + host + ":" + port + " (is the port in use?)");
        }
        return service;
    }

    /** The HTTP server could not bind its port. */
    public static final class CannotListenException extends IllegalStateException {
        CannotListenException(final String message) {
            super(message);
        }
    }

    /** The port the HTTP server listens on. */
    public int port() {
        return server.port();
    }

    public IngestStreams ingest() {
        return ingest;
    }

    public ShardReader reader() {
        return reader;
    }

    /** The places searches take ({@code http.max-concurrent-searches}). */
    public SearchAdmission searchAdmission() {
        return searchAdmission;
    }

    public WriteService writes() {
        return writes;
    }

    /** Waits until the stream processor is running with every store restored. */
    public void awaitReady(final Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ingest.isReady()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not ready after " + timeout + ": streams " + ingest.streams().state());
            }
            Pause.millis(20, "readiness");
        }
    }

    @Override
    public void close() {
        server.stop();
        metrics.close();
        shards.close();
        peers.close();
        embeddings.close();
        publisher.close();
        ingest.close();
        ingest.settings().models().close();
    }

    /** A health check with a name and a type. */
    private record NamedCheck(String name, HealthCheckType type,
                              Supplier<HealthCheckResponse> check) implements HealthCheck {
        @Override
        public HealthCheckResponse call() {
            return check.get();
        }
    }
}
