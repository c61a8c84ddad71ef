package io.vectorstream.bench;

import io.vectorstream.kafka.EmbeddedKafkaBroker;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.store.ShardStoreOptions;
import io.vectorstream.stream.ApplicationReset;
import io.vectorstream.stream.IngestStreams;
import io.vectorstream.stream.ReplayLag;
import io.vectorstream.stream.Topics;
import io.vectorstream.stream.VectorstreamTopology;
import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * {@code bench durability}: on an embedded broker (or a running one), with vectors given (no model),
 * <ol>
 *   <li>a bare round trip: a KafkaProducer sends the events to a plain topic while a KafkaConsumer
 *       reads them back, the most any consumer of this broker could do;</li>
 *   <li>ingest: the same events through the topology (exactly-once, validation, shards, changelogs)
 *       until every chunk is applied, and its ratio to the bare rate;</li>
 *   <li>warm restart: the instance closed and started again on its state, until every shard
 *       answers with all chunks;</li>
 *   <li>replay: the application reset ({@code rebuild}'s reset) and the events replayed into fresh
 *       shards until the lag is zero;</li>
 *   <li>the caller's {@link LastPhase} on that state (the killed restart).</li>
 * </ol>
 * Progress goes to {@code progress} every few seconds; each figure to {@code report}, and after
 * the bare round trip, the ingest and the replay, this process's CPU time per event by part
 * ({@link CpuAccount}).
 */
public final class DurabilityBenchmark {

    /** Libraries the events are spread over, one per partition of the events topic (3). */
    private static final int LIBRARIES = 3;
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(3);
    /** A phase that applies no chunk for this long has stalled: the benchmark fails instead of waiting. */
    private static final Duration STALLED_AFTER = Duration.ofMinutes(2);

    /** One measured figure. */
    public record Result(String name, double value, String unit, String detail) {
    }

    /**
     * A last phase, given the broker, the benchmark's data folder (stream state under
     * {@code streams}, closed cleanly after the replay), the libraries and the chunk count; the
     * killed restart, which needs a separate process, is one.
     */
    @FunctionalInterface
    public interface LastPhase {
        void run(String bootstrap, Path dataDir, List<String> libraries, long chunks);
    }

    private DurabilityBenchmark() {
    }

    /**
     * @param indexKind the libraries' index ({@code flat}, {@code ivf} or {@code lsh}, default
     *                  parameters)
     * @param kafka     the bootstrap servers of a running broker, or {@code null} for an embedded
     *                  one in this process. On a running broker the benchmark's topics and
     *                  application id are its own ({@code bench-<random>}), deleted at the end, so
     *                  that it never touches the product's.
     * @param warmup    events sent first through a bare round trip and a pipeline of their own (own
     *                  topics, application id and state, all deleted after), not measured: the JIT
     *                  compiles the code paths on them, so that the figures that follow are those
     *                  of a process that has been running, not of one starting cold
     */
    public static void run(final int events, final int warmup, final int dimension, final String indexKind,
                           final String kafka, final PrintStream progress, final Consumer<Result> report,
                           final LastPhase lastPhase) {
        Path dir = Directories.temporary("vectorstream-bench-durability");
        if (kafka == null) {
            progress.println("starting an embedded broker in " + dir + "...");
        }
        String runId = kafka == null ? null : "bench-" + Long.toHexString(new Random().nextLong() >>> 16);
        try (EmbeddedKafkaBroker broker = kafka == null ? EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0) : null;
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                     kafka == null ? broker.bootstrapServers() : kafka))) {
            String bootstrap = kafka == null ? broker.bootstrapServers() : kafka;
            try {
                if (warmup > 0) {
                    warmUp(warmup, dimension, indexKind, bootstrap, runId == null ? "bench" : runId, admin, dir,
                            progress);
                }
                run(events, dimension, indexKind, bootstrap, runId, admin, dir, progress, report, lastPhase);
            } finally {
                if (runId != null) {
                    deleteTopicsOf(admin, runId, progress);
                }
            }
        }
    }

    /** Sends {@code events} through the phases' code paths once, on topics and state of their own. */
    private static void warmUp(final int events, final int dimension, final String indexKind, final String bootstrap,
                               final String prefix, final Admin admin, final Path dir, final PrintStream progress) {
        String id = prefix + "-warmup";
        List<String> libraries = librariesOnDistinctPartitions(3);
        Events source = new Events(events, dimension, libraries);
        progress.printf("warm-up, not measured: %,d events through a bare round trip and a pipeline of their own"
                + " (topics %s*)%n", events, id);
        bareRoundTrip(bootstrap, admin, id + ".bare", source, progress);
        IngestStreams.Settings settings = IngestStreams.Settings.of(bootstrap, dir.resolve("warmup-streams"),
                "localhost:0").withStoreOptions(ShardStoreOptions.DEFAULT).withApplicationId(id)
                .withTopics(new Topics(id + ".events", id + ".chunks", id + ".events.dlq"));
        try (IngestStreams ingest = IngestStreams.start(settings)) {
            awaitChunks(ingest, libraries, 0, progress, "warm-up start");
            publishLibraries(bootstrap, settings.topics(), libraries, dimension, indexKind);
            awaitLibraries(ingest, libraries);
            long start = System.nanoTime();
            awaitCaughtUp(admin, ingest, libraries, events, publishing(bootstrap, settings.topics().events(), source),
                    start, progress, "warm-up");
        }
        deleteTopicsOf(admin, id, progress);
        try {
            Directories.deleteRecursively(dir.resolve("warmup-streams"));
        } catch (IOException e) {
            progress.println("could not delete the warm-up's state: " + e);
        }
    }

    private static void run(final int events, final int dimension, final String indexKind, final String bootstrap,
                            final String runId, final Admin admin, final Path dir, final PrintStream progress,
                            final Consumer<Result> report, final LastPhase lastPhase) {
        List<String> libraries = librariesOnDistinctPartitions(3);
        Events source = new Events(events, dimension, libraries);
        progress.printf("%,d chunk events of %d dimensions (base64 vectors, %,d bytes each) over %d libraries%n",
                events, dimension, source.event(0).length, LIBRARIES);

        String otherThreads = runId == null ? "broker and other Java threads" : "other Java threads";
        CpuAccount bareCpu = CpuAccount.start(DurabilityBenchmark::partOf);
        double bare = bareRoundTrip(bootstrap, admin, runId == null ? "bench.bare" : runId + ".bare", source,
                progress);
        report.accept(new Result("bare round trip", bare, "events/s",
                "KafkaProducer -> 3-partition topic -> KafkaConsumer, same broker"));
        report.accept(cpuPerEvent("bare CPU", bareCpu, events, otherThreads));

        IngestStreams.Settings settings = IngestStreams.Settings.of(bootstrap, dir.resolve("streams"),
                "localhost:0").withStoreOptions(ShardStoreOptions.DEFAULT);
        if (runId != null) {
            settings = settings.withApplicationId(runId).withTopics(new Topics(runId + ".events",
                    runId + ".chunks", runId + ".events.dlq"));
        }
        long start;
        try (IngestStreams ingest = IngestStreams.start(settings)) {
            awaitChunks(ingest, libraries, 0, progress, "start");
            publishLibraries(bootstrap, settings.topics(), libraries, dimension, indexKind);
            awaitLibraries(ingest, libraries);
            CpuAccount ingestCpu = CpuAccount.start(DurabilityBenchmark::partOf);
            start = System.nanoTime();
            CompletableFuture<Void> publishing = publishing(bootstrap, settings.topics().events(), source);
            awaitCaughtUp(admin, ingest, libraries, events, publishing, start, progress, "ingest");
            double rate = events / ((System.nanoTime() - start) / 1e9);
            report.accept(new Result("ingest", rate, "events/s", String.format(
                    "exactly-once, 3 partitions, 2 stream threads; %.2fx the bare round trip", rate / bare)));
            report.accept(cpuPerEvent("ingest CPU", ingestCpu, events, otherThreads));
        }

        start = System.nanoTime();
        try (IngestStreams restarted = IngestStreams.start(settings)) {
            awaitChunks(restarted, libraries, events, progress, "warm restart");
            report.accept(new Result("warm restart", (System.nanoTime() - start) / 1e9, "s",
                    String.format("%,d chunks to every shard answering; %,d records restored", events,
                            restarted.restoredRecords(VectorstreamTopology.SHARD_STORE))));
        }

        long resetStart = System.nanoTime();
        ApplicationReset.reset(admin, settings, line -> progress.println("  " + line));
        double resetSeconds = (System.nanoTime() - resetStart) / 1e9;
        CpuAccount replayCpu = CpuAccount.start(DurabilityBenchmark::partOf);
        start = System.nanoTime();
        try (IngestStreams replaying = IngestStreams.start(settings)) {
            awaitCaughtUp(admin, replaying, libraries, events, CompletableFuture.completedFuture(null), start,
                    progress, "replay");
            double seconds = (System.nanoTime() - start) / 1e9;
            report.accept(new Result("replay", seconds, "s", String.format(
                    "%,d events to zero lag (%,.0f events/s) after a %.1f s reset", events + libraries.size(),
                    events / seconds, resetSeconds)));
            report.accept(cpuPerEvent("replay CPU", replayCpu, events, otherThreads));
        }
        lastPhase.run(bootstrap, dir, libraries, events);
    }

    /** Deletes what a run left on the broker: its topics, its application's internal ones, its consumer groups. */
    private static void deleteTopicsOf(final Admin admin, final String runId, final PrintStream progress) {
        try {
            List<String> topics = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(runId + ".") || t.startsWith(runId + "-")).toList();
            admin.deleteTopics(topics).all().get();
            List<String> groups = admin.listGroups().all().get().stream().map(g -> g.groupId())
                    .filter(g -> g.equals(runId) || g.startsWith(runId + "-")).toList();
            admin.deleteConsumerGroups(groups).all().get();
            progress.printf("deleted the run's %d topics and %d consumer groups (%s*)%n", topics.size(), groups.size(),
                    runId);
        } catch (Exception e) {
            progress.println("could not delete the run's topics (" + runId + "*): " + e);
        }
    }

    /** Library ids whose events land on {@code partitions} different partitions (Kafka's key hash). */
    static List<String> librariesOnDistinctPartitions(final int partitions) {
        Set<Integer> taken = new LinkedHashSet<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; ids.size() < LIBRARIES; i++) {
            String id = "bench-" + i;
            int partition = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % partitions;
            if (taken.add(partition)) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** The benchmark's chunk events, made on demand from a seed so that none is held in memory. */
    private record Events(int count, int dimension, List<String> libraries) {

        String library(final int i) {
            return libraries.get(i % libraries.size());
        }

        /**
         * Event {@code i}: its vector holds {@code new Random(i)}'s first floats, less 0.5. The
         * generator is java.util.Random's, written out: Random's atomic seed update made this
         * method most of the publisher's CPU time, which the pipeline then had to share the
         * machine with.
         */
        byte[] event(final int i) {
            ByteBuffer vector = ByteBuffer.allocate(dimension * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            long seed = (i ^ RANDOM_MULTIPLIER) & RANDOM_MASK; // new Random(i)
            for (int d = 0; d < dimension; d++) {
                seed = (seed * RANDOM_MULTIPLIER + RANDOM_ADDEND) & RANDOM_MASK;
                float next = (int) (seed >>> (48 - 24)) / (float) (1 << 24); // nextFloat()
                vector.putFloat(next - 0.5f);
            }
            byte[] head = ("{\"type\":\"chunk.upserted\",\"libraryId\":\"" + library(i) + "\",\"documentId\":\"d"
                    + (i % 1000) + "\",\"chunkId\":\"c" + i + "\",\"payload\":{\"text\":\"chunk " + i
                    + "\",\"embedding\":\"").getBytes(StandardCharsets.UTF_8);
            byte[] base64 = Base64.getEncoder().encode(vector.array());
            byte[] event = Arrays.copyOf(head, head.length + base64.length + TAIL.length);
            System.arraycopy(base64, 0, event, head.length, base64.length);
            System.arraycopy(TAIL, 0, event, head.length + base64.length, TAIL.length);
            return event;
        }

        private static final long RANDOM_MULTIPLIER = 0x5DEECE66DL;
        private static final long RANDOM_ADDEND = 0xBL;
        private static final long RANDOM_MASK = (1L << 48) - 1;
        private static final byte[] TAIL = "\"}}".getBytes(StandardCharsets.UTF_8);
    }

    /** The thread that publishes the benchmark's events, and its producer's client id. */
    private static final String PUBLISHER = "bench-publisher";

    /** Which part of the work a thread of this process does, by its name (see {@link CpuAccount}). */
    static String partOf(final String threadName) {
        if (threadName.contains(PUBLISHER)) {
            return "publisher (the benchmark's own: makes and sends the events)";
        }
        if (threadName.contains("-StreamThread-")) {
            return threadName.startsWith("kafka-producer-network-thread") ? "stream producers' network threads"
                    : "stream threads (validation, shards, their consumers)";
        }
        if (threadName.equals("main")) {
            return "benchmark main (the bare consumer; progress)";
        }
        return null;
    }

    /** @param other what the Java threads no part claims are (the broker's, when it runs in this process) */
    private static Result cpuPerEvent(final String name, final CpuAccount account, final long events,
                                      final String other) {
        Map<String, Long> parts = account.stop(other);
        StringBuilder detail = new StringBuilder("µs of CPU per event:");
        parts.forEach((part, nanos) -> {
            if (!part.equals("total")) {
                detail.append(String.format(" %s %.1f;", part, nanos / 1e3 / events));
            }
        });
        return new Result(name, parts.get("total") / 1e3 / events, "µs/event",
                detail.substring(0, detail.length() - 1));
    }

    private static KafkaProducer<byte[], byte[]> producer(final String bootstrap) {
        return producer(bootstrap, "");
    }

    /** @param clientId the producer's client id, or "" for one Kafka makes up */
    private static KafkaProducer<byte[], byte[]> producer(final String bootstrap, final String clientId) {
        Properties props = new Properties();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Publishes the events on a thread of its own, named so that its CPU time can be told apart. */
    private static CompletableFuture<Void> publishing(final String bootstrap, final String topic,
                                                      final Events events) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().name(PUBLISHER).daemon().start(() -> {
            try {
                publish(bootstrap, topic, events);
                done.complete(null);
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private static void publish(final String bootstrap, final String topic, final Events events) {
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap, PUBLISHER)) {
            for (int i = 0; i < events.count(); i++) {
                producer.send(new ProducerRecord<>(topic, events.library(i).getBytes(StandardCharsets.UTF_8),
                        events.event(i)));
            }
        }
    }

    private static double bareRoundTrip(final String bootstrap, final Admin admin, final String topic,
                                        final Events events, final PrintStream progress) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create " + topic, e);
        }
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                    new TopicPartition(topic, 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long start = System.nanoTime();
            CompletableFuture<Void> publishing = publishing(bootstrap, topic, events);
            long received = 0;
            long nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
            while (received < events.count()) {
                received += consumer.poll(Duration.ofMillis(100)).count();
                if (System.nanoTime() > nextReport) {
                    progress.printf("  bare round trip: %,d / %,d events%n", received, events.count());
                    nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
                }
            }
            publishing.join();
            return events.count() / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static void publishLibraries(final String bootstrap, final Topics topics, final List<String> libraries,
                                         final int dimension, final String indexKind) {
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            for (String id : libraries) {
                String event = "{\"type\":\"library.upserted\",\"libraryId\":\"" + id + "\",\"payload\":{\"name\":\""
                        + id + "\",\"dimension\":" + dimension + ",\"metric\":\"cosine\",\"index\":{\"kind\":\"" + indexKind
                        + "\"}}}";
                producer.send(new ProducerRecord<>(topics.events(), id.getBytes(StandardCharsets.UTF_8),
                        event.getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    private static void awaitLibraries(final IngestStreams ingest, final List<String> libraries) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (chunks(ingest, libraries) < 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the libraries were not created within a minute");
            }
            Pause.millis(50, "the benchmark");
        }
    }

    /** Chunks over the libraries and shards; -1 while a shard cannot answer or a library is missing. */
    private static long chunks(final IngestStreams ingest, final List<String> libraries) {
        try {
            long total = 0;
            for (String id : libraries) {
                for (var stats : ingest.shards().query(new ShardQuery.GetLibrary(id), null).values()) {
                    if (stats.isEmpty()) {
                        return -1;
                    }
                    total += stats.get().chunkCount();
                }
            }
            return total;
        } catch (RuntimeException notYet) {
            return -1;
        }
    }

    private static void awaitChunks(final IngestStreams ingest, final List<String> libraries, final long expected,
                                    final PrintStream progress, final String phase) {
        long nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
        while (!(ingest.isReady() && (expected == 0 ? ingest.shards().isRunning() : chunks(ingest, libraries) == expected))) {
            if (!ingest.isAlive()) {
                throw new IllegalStateException(phase + ": the stream processor stopped: " + ingest.streams().state());
            }
            if (System.nanoTime() > nextReport) {
                progress.printf("  %s: %s, %,d chunks answering%n", phase, ingest.streams().state(),
                        Math.max(0, chunks(ingest, libraries)));
                nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
            }
            Pause.millis(20, "the benchmark");
        }
    }

    private static void awaitCaughtUp(final Admin admin, final IngestStreams ingest, final List<String> libraries,
                                      final long events, final CompletableFuture<Void> publishing, final long start,
                                      final PrintStream progress, final String phase) {
        long nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
        long lastApplied = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            if (!ingest.isAlive()) {
                throw new IllegalStateException(phase + ": the stream processor stopped: " + ingest.streams().state());
            }
            if (publishing.isCompletedExceptionally()) {
                publishing.join(); // the publisher failed: say why instead of waiting for its events
            }
            long applied = chunks(ingest, libraries);
            if (publishing.isDone() && applied == events) {
                publishing.join();
                return;
            }
            if (applied != lastApplied) {
                lastApplied = applied;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALLED_AFTER.toNanos()) {
                throw new IllegalStateException(String.format("%s: no chunk applied for %d s (%,d of %,d; dead"
                        + " letters or a stuck stream thread? the log says)", phase, STALLED_AFTER.toSeconds(),
                        Math.max(0, applied), events));
            }
            if (System.nanoTime() > nextReport) {
                ReplayLag lag = ReplayLag.measure(admin, ingest.settings().applicationId(), ingest.settings().topics());
                double seconds = (System.nanoTime() - start) / 1e9;
                progress.printf("  %s: %,d / %,d events validated, %,d chunks applied (%,.0f/s), %,d chunk records"
                        + " to apply%n", phase, lag.eventsDone(), events, Math.max(0, applied),
                        Math.max(0, applied) / seconds, lag.chunksBehind());
                nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
            }
            Pause.millis(20, "the benchmark");
        }
    }
}
