package io.vectorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.cli.Options;
import io.vectorstream.kafka.EmbeddedKafkaBroker;
import io.vectorstream.schema.Json;
import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code vectorstream bench cluster}: search over HTTP with 1, 2, ... instances of one application
 * (each a {@code serve} process, an embedded broker in this one), and the cost of the internal hop
 * to a peer. Per instance count, same run, same data:
 * <ul>
 *   <li>load: client threads send searches of a library of {@code --chunks} vectors, round-robin over
 *       the instances: queries/second, p50 and p99 latency;</li>
 *   <li>hop: one client thread searches a library of 60 vectors on the first instance, where the
 *       search itself costs next to nothing: with one instance every shard is local, with more the
 *       first instance asks its peers, so the difference of the p50s is what a hop costs;</li>
 *   <li>waited writes: one client writes a chunk at a time with {@code ?wait=true}, round-robin
 *       over the instances (each write answered once every shard that holds it applied it), against
 *       a bare Kafka round trip on the same broker (a producer's record until a consumer has it).</li>
 * </ul>
 */
final class ClusterBenchmark {

    static final Set<String> OPTIONS = Set.of("chunks", "dim", "partitions", "instances",
            "queries", "threads", "log-dir");
    private static final Duration PATIENCE = Duration.ofMinutes(3);
    private static final String SECRET = "bench-cluster-secret";
    private static final int TINY = 60;
    private static final int HOP_QUERIES = 1_000;
    private static final int HOP_WARM_UP = 2_000;
    private static final int K = 10;
    private static final int WRITES = 200;
    private static final int WRITE_WARM_UP = 20;

    private final int chunks;
    private final int dimension;
    private final int partitions;
    private final PrintStream progress;
    private final BenchHttp http = new BenchHttp();
    private final Random random = new Random(17);

    private ClusterBenchmark(final int chunks, final int dimension, final int partitions, final PrintStream progress) {
        this.chunks = chunks;
        this.dimension = dimension;
        this.partitions = partitions;
        this.progress = progress;
    }

    /** One instance count's figures. */
    /**
     * @param hopServerP50Ms the hop searches' p50 inside the server (their {@code tookMs}): the
     *                       fan-out without the client's HTTP exchange
     */
    record Result(int instances, int localShards, double qps, double p50Ms, double p99Ms, double hopP50Ms,
                  double hopP99Ms, double hopServerP50Ms, double writeP50Ms, double writeP99Ms,
                  double kafkaRoundTripP50Ms) {
    }

    static void run(final Options options, final PrintStream out, final PrintStream progress) {
        int chunks = Integer.parseInt(options.get("chunks", "20000"));
        int dimension = Integer.parseInt(options.get("dim", "128"));
        int partitions = Integer.parseInt(options.get("partitions", "6"));
        int instances = Integer.parseInt(options.get("instances", "3"));
        int queries = Integer.parseInt(options.get("queries", "2000"));
        int threads = Integer.parseInt(options.get("threads", "4"));
        if (chunks < 1 || dimension < 1 || partitions < 1 || instances < 1 || queries < 1 || threads < 1) {
            throw new Options.UsageException("--chunks, --dim, --partitions, --instances, --queries and --threads "
                    + "must be at least 1");
        }
        String logDir = options.get("log-dir", null);
        ClusterBenchmark bench = new ClusterBenchmark(chunks, dimension, partitions, progress);
        List<Result> results = bench.measure(instances, queries, threads, logDir == null ? null : Path.of(logDir));
        if (options.flag("json")) {
            for (Result r : results) {
                ObjectNode node = Json.MAPPER.valueToTree(r);
                node.put("chunks", chunks);
                node.put("dim", dimension);
                node.put("partitions", partitions);
                node.put("threads", threads);
                out.println(node);
            }
            return;
        }
        out.printf("%d chunks x %d dims (cosine, flat), %d partitions, %d client threads, k = %d%n", chunks, dimension,
                partitions, threads, K);
        out.printf("%-9s %-13s %9s %8s %8s %12s %12s %13s %15s%n", "instances", "local shards", "q/s", "p50 ms",
                "p99 ms", "hop p50 ms", "hop p99 ms", "hop cost p50", "in server p50");
        double alone = results.getFirst().hopP50Ms();
        double aloneInServer = results.getFirst().hopServerP50Ms();
        for (Result r : results) {
            out.printf("%-9d %-13s %9.0f %8.2f %8.2f %12.2f %12.2f %+13.2f %8.2f %+6.2f%n", r.instances(),
                    r.localShards() + " of " + partitions, r.qps(), r.p50Ms(), r.p99Ms(), r.hopP50Ms(), r.hopP99Ms(),
                    r.hopP50Ms() - alone, r.hopServerP50Ms(), r.hopServerP50Ms() - aloneInServer);
        }
        out.printf("%nwrites with ?wait=true, one at a time (%d, after %d not measured), and a bare Kafka round trip:%n",
                WRITES, WRITE_WARM_UP);
        out.printf("%-9s %14s %14s %20s%n", "instances", "write p50 ms", "write p99 ms", "Kafka round trip p50");
        for (Result r : results) {
            out.printf("%-9d %14.1f %14.1f %20.2f%n", r.instances(), r.writeP50Ms(), r.writeP99Ms(),
                    r.kafkaRoundTripP50Ms());
        }
    }

    private List<Result> measure(final int instanceCount, final int queries, final int threads, final Path logDir) {
        Path dir = Directories.temporary("vectorstream-bench-cluster");
        List<ServiceProcess> instances = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            for (int n = 1; n <= instanceCount; n++) {
                int port = ServiceProcess.freePort();
                progress.printf("starting instance %d of %d on port %d%n", n, instanceCount, port);
                instances.add(start(bootstrap, dir.resolve("instance-" + n), port, logDir, n));
                ports.add(port);
                instances.getLast().awaitLine("Ready in", PATIENCE);
                if (n == 1) {
                    String token = publish(bootstrap);
                    progress.printf("published %,d + %d chunks; waiting until they are indexed%n", chunks, TINY);
                    awaitApplied(port, token);
                }
                awaitSettled(ports);
                int localShards = localShards(ports.getFirst());
                progress.printf("%d instance(s): instance 1 hosts %d of %d shards; measuring%n", n, localShards,
                        partitions);
                // The load first: it warms every instance's code (the JIT compiles the fan-out and the
                // client of the hop only after a few thousand calls), the hop then measures the steady state.
                double[] load = latencies(ports, "big", threads, queries);
                latencies(List.of(ports.getFirst()), "tiny", 1, HOP_WARM_UP);
                double[] hop = latencies(List.of(ports.getFirst()), "tiny", 1, HOP_QUERIES);
                double[] writes = waitedWrites(ports, n);
                double kafka = kafkaRoundTripP50(bootstrap, n);
                results.add(new Result(n, localShards, load[0], load[1], load[2], hop[1], hop[2], hop[3], writes[0],
                        writes[1], kafka));
            }
        } finally {
            instances.forEach(ServiceProcess::stop);
            Directories.deleteQuietly(dir);
        }
        return results;
    }

    private ServiceProcess start(final String bootstrap, final Path dir, final int port, final Path logDir,
                                        final int n) {
        return ServiceProcess.start(List.of("serve", "--kafka", bootstrap, "--port", Integer.toString(port),
                "--partitions", Integer.toString(partitions),
                "--host", "127.0.0.1", "--advertised-host", "127.0.0.1", "--cluster-secret", SECRET,
                "--data-dir", dir.toString(), "--model-dir", dir.resolve("no-models").toString()),
                logDir == null ? null : logDir.resolve("instance-" + n + ".log"));
    }

    /** The libraries "big" and "tiny", with their chunks; the token of all of it. */
    private String publish(final String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        Map<Integer, Long> last = new HashMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (String library : List.of("big", "tiny")) {
                sent.add(producer.send(new ProducerRecord<>("vectorstream.events", library, """
                        {"type":"library.upserted","libraryId":"%s","payload":{"name":"%s","dimension":%d,"metric":"cosine"}}"""
                        .formatted(library, library, dimension))));
            }
            for (int c = 0; c < chunks + TINY; c++) {
                String library = c < chunks ? "big" : "tiny";
                sent.add(producer.send(new ProducerRecord<>("vectorstream.events", library, """
                        {"type":"chunk.upserted","libraryId":"%s","documentId":"d%d","chunkId":"c%d","payload":{"text":"t","embedding":%s}}"""
                        .formatted(library, c % 500, c, Arrays.toString(vector())))));
            }
            for (Future<RecordMetadata> future : sent) {
                RecordMetadata meta = future.get();
                last.merge(meta.partition(), meta.offset(), Math::max);
            }
        } catch (Exception e) {
            throw new IllegalStateException("publishing failed", e);
        }
        return last.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(","));
    }

    private void awaitApplied(final int port, final String token) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(port, "/v1/libraries/big"))
                    .header("X-Consistency-Token", token).GET());
            if (response != null && response.statusCode() == 200) {
                return;
            }
            Pause.millis(200, "the benchmark");
        }
        throw new IllegalStateException("the chunks were not indexed within " + PATIENCE);
    }

    /** Waits until every instance sees them all hosting shards and counts every chunk. */
    private void awaitSettled(final List<Integer> ports) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            if (ports.stream().allMatch(port -> settled(port, ports.size()))) {
                return;
            }
            Pause.millis(200, "the rebalance");
        }
        throw new IllegalStateException("the instances did not settle within " + PATIENCE);
    }

    private boolean settled(final int port, final int instances) {
        JsonNode cluster = BenchHttp.json(http.send(HttpRequest.newBuilder(uri(port, "/v1/cluster")).GET()));
        JsonNode big = BenchHttp.json(http.send(HttpRequest.newBuilder(uri(port, "/v1/libraries/big")).GET()));
        if (cluster == null || big == null || !cluster.path("unassigned").isEmpty()
                || !"RUNNING".equals(cluster.path("state").asText())) {
            return false;
        }
        int hosting = 0;
        for (JsonNode instance : cluster.get("instances")) {
            hosting += instance.get("active").isEmpty() ? 0 : 1;
        }
        return hosting == instances && big.path("chunkCount").asInt() == chunks;
    }

    private int localShards(final int port) {
        JsonNode cluster = BenchHttp.json(http.send(HttpRequest.newBuilder(uri(port, "/v1/cluster")).GET()));
        for (JsonNode instance : cluster.get("instances")) {
            if (instance.get("self").asBoolean()) {
                return instance.get("active").size();
            }
        }
        return 0;
    }

    /**
     * {@code queries} searches of {@code library} from {@code threads} threads, round-robin over
     * {@code ports}, after a fifth as many not measured: queries/second, p50 and p99 in ms.
     */
    private double[] latencies(final List<Integer> ports, final String library, final int threads, final int queries) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            bodies.add("{\"vector\":" + Arrays.toString(vector()) + ",\"k\":" + K + "}");
        }
        run(ports, library, threads, Math.max(1, queries / 5), bodies, new ConcurrentLinkedQueue<>(),
                new ConcurrentLinkedQueue<>());
        ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Double> inServer = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        run(ports, library, threads, queries, bodies, nanos, inServer);
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        double[] server = inServer.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new double[] {sorted.length / seconds, millisAt(sorted, 0.5), millisAt(sorted, 0.99),
            server[server.length / 2]};
    }

    /** The {@code quantile} of ascending nanosecond timings, in ms. */
    private static double millisAt(final long[] sortedNanos, final double quantile) {
        return sortedNanos[Math.min(sortedNanos.length - 1, (int) (sortedNanos.length * quantile))] / 1e6;
    }

    private void run(final List<Integer> ports, final String library, final int threads, final int queries,
                     final List<String> bodies, final ConcurrentLinkedQueue<Long> nanos,
                     final ConcurrentLinkedQueue<Double> inServer) {
        AtomicInteger next = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                int i;
                while ((i = next.getAndIncrement()) < queries) {
                    HttpRequest.Builder request = HttpRequest.newBuilder(uri(ports.get(i % ports.size()),
                            "/v1/libraries/" + library + "/search")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i % bodies.size())));
                    long begin = System.nanoTime();
                    HttpResponse<String> response = http.send(request);
                    long took = System.nanoTime() - begin;
                    JsonNode answer = BenchHttp.json(response);
                    if (answer == null || answer.path("partial").asBoolean()) {
                        throw new IllegalStateException("a search failed or was partial: "
                                + (response == null ? "no answer" : response.body()));
                    }
                    nanos.add(took);
                    inServer.add(answer.path("tookMs").asDouble());
                }
            }));
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /**
     * {@link #WRITES} chunk writes with {@code ?wait=true}, one at a time, round-robin over {@code
     * ports}, after {@link #WRITE_WARM_UP} not measured: p50 and p99 in ms.
     */
    private double[] waitedWrites(final List<Integer> ports, final int round) {
        progress.printf("%d instance(s): %d writes with ?wait=true%n", ports.size(), WRITES);
        long[] nanos = new long[WRITES];
        for (int i = -WRITE_WARM_UP; i < WRITES; i++) {
            // Into a document of "tiny" that publish() made: a chunk's document must exist.
            String path = "/v1/libraries/tiny/documents/d" + chunks % 500 + "/chunks/r" + round + "-w"
                    + (i + WRITE_WARM_UP) + "?wait=true";
            HttpRequest.Builder request = HttpRequest.newBuilder(uri(ports.get(Math.floorMod(i, ports.size())), path))
                    .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(
                            "{\"text\":\"w\",\"embedding\":" + Arrays.toString(vector()) + "}"));
            long begin = System.nanoTime();
            HttpResponse<String> response = http.send(request);
            long took = System.nanoTime() - begin;
            if (response == null || response.statusCode() != 201) {
                throw new IllegalStateException("a waited write failed: "
                        + (response == null ? "no answer" : response.statusCode() + " " + response.body()));
            }
            if (i >= 0) {
                nanos[i] = took;
            }
        }
        Arrays.sort(nanos);
        return new double[] {millisAt(nanos, 0.5), millisAt(nanos, 0.99)};
    }

    /**
     * The reference for a waited write: {@link #WRITES} records, one at a time, from a producer
     * (acks=all) to a consumer of a topic of their own on the same broker; p50 in ms.
     */
    private double kafkaRoundTripP50(final String bootstrap, final int round) {
        String topic = "bench.round-trip-" + round;
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long[] nanos = new long[WRITES];
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
             KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                new StringSerializer());
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                     new StringDeserializer())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            for (int i = -WRITE_WARM_UP; i < WRITES; i++) {
                long begin = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, "k", "r" + i)).get();
                int received = 0;
                while (received == 0) {
                    received = consumer.poll(Duration.ofSeconds(5)).count();
                }
                if (i >= 0) {
                    nanos[i] = System.nanoTime() - begin;
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("the Kafka round trip failed", e);
        }
        Arrays.sort(nanos);
        return millisAt(nanos, 0.5);
    }

    private static URI uri(final int port, final String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private float[] vector() {
        float[] v = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            v[d] = (float) random.nextGaussian();
        }
        return v;
    }
}
