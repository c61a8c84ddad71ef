package io.vectorstream.cli;

import io.vectorstream.stream.DeadLetters;
import io.vectorstream.stream.KafkaClients;
import io.vectorstream.stream.Topics;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code vectorstream dlq count|list|replay}: what the dead-letter topic holds, by reason, and
 * sending chosen dead letters back to the events topic once their cause is fixed (a library
 * created, a limit raised, a model built). It reads the topic as it is when the command starts,
 * from the beginning, with progress on standard error; it never changes the dead-letter topic.
 */
final class DeadLetterCommand {

    private DeadLetterCommand() {
    }

    /** One dead letter: where it came from, why, and the event itself (null when it was too large to keep). */
    record DeadLetter(String sourceTopic, int sourcePartition, long sourceOffset, String reason, String field,
                      byte[] key, byte[] value) {

        /** {@code topic-partition@offset}, as the stream's log names an event. */
        String source() {
            return sourceTopic + "-" + sourcePartition + "@" + sourceOffset;
        }

        /** The reason with its numbers taken out, so that letters of one kind count together. */
        String kind() {
            return DeadLetters.kindOf(reason);
        }
    }

    /** {@link #run(List, PrintStream, String, Map)} with dev's broker as the default bootstrap. */
    static void run(final List<String> args, final PrintStream out) {
        run(args, out, Main.LOCAL_KAFKA, Map.of());
    }

    /**
     * @param defaultKafka     the bootstrap without {@code --kafka}
     * @param clientProperties the Kafka client settings of the configuration ({@code kafka.client-properties})
     */
    static void run(final List<String> args, final PrintStream out, final String defaultKafka,
                    final Map<String, String> clientProperties) {
        if (args.isEmpty() || !Set.of("count", "list", "replay").contains(args.getFirst())) {
            throw new Options.UsageException("dlq needs count, list or replay");
        }
        String action = args.getFirst();
        Options options = new Options(args.subList(1, args.size()), Set.of("kafka", "topic", "events-topic", "reason",
                "source", "limit"), Set.of("all", "values"));
        Map<String, Object> kafka = KafkaClients.config(options.get("kafka", defaultKafka), clientProperties);
        String topic = options.get("topic", Topics.DEFAULT.deadLetter());
        Predicate<DeadLetter> chosen = selection(options);
        // Each command takes the letters as they are read and keeps only what it prints: the topic
        // keeps dead letters for ever, each up to 18 MiB.
        switch (action) {
            case "count" -> {
                Counts counts = new Counts();
                read(kafka, topic, letter -> {
                    if (chosen.test(letter)) {
                        counts.add(letter);
                    }
                });
                counts.print(out);
            }
            case "list" -> {
                Listing listing = new Listing(Integer.parseInt(options.get("limit", "100")), options.flag("values"), out);
                read(kafka, topic, letter -> {
                    if (chosen.test(letter)) {
                        listing.add(letter);
                    }
                });
                listing.end();
            }
            default -> {
                if (options.get("reason", null) == null && options.get("source", null) == null && !options.flag("all")) {
                    throw new Options.UsageException("dlq replay needs --reason TEXT, --source TOPIC-P@OFFSET[,...] or "
                            + "--all: replaying sends the events again");
                }
                try (Replay replay = new Replay(kafka, options.get("events-topic", Topics.DEFAULT.events()), out)) {
                    read(kafka, topic, letter -> {
                        if (chosen.test(letter)) {
                            replay.send(letter);
                        }
                    });
                }
            }
        }
    }

    /** The letters {@code --reason} (a part of the reason) and {@code --source} (a list of sources) choose. */
    private static Predicate<DeadLetter> selection(final Options options) {
        String reason = options.get("reason", null);
        String sources = options.get("source", null);
        Set<String> wanted = sources == null ? null : Set.of(sources.split(","));
        return letter -> (reason == null || letter.reason().contains(reason))
                && (wanted == null || wanted.contains(letter.source()));
    }

    /** Hands every dead letter the topic holds now to {@code each}, in order per partition. */
    static void read(final Map<String, Object> kafka, final String topic, final Consumer<DeadLetter> each) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_DEAD_LETTER_BYTES);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        long read = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist on " + kafka);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long total = ends.values().stream().mapToLong(Long::longValue).sum()
                    - consumer.beginningOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
            long lastProgress = System.nanoTime();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    each.accept(letter(record));
                    read++;
                }
                if (System.nanoTime() - lastProgress > Duration.ofSeconds(2).toNanos()) {
                    System.err.printf("read %,d of about %,d dead letters...%n", read, total);
                    lastProgress = System.nanoTime();
                }
            }
        }
    }

    private static DeadLetter letter(final ConsumerRecord<byte[], byte[]> record) {
        var headers = record.headers();
        String partition = DeadLetters.header(headers, DeadLetters.SOURCE_PARTITION);
        String offset = DeadLetters.header(headers, DeadLetters.SOURCE_OFFSET);
        return new DeadLetter(String.valueOf(DeadLetters.header(headers, DeadLetters.SOURCE_TOPIC)),
                (int) number(partition), number(offset),
                Objects.requireNonNullElse(DeadLetters.header(headers, DeadLetters.REASON), "(no reason)"),
                DeadLetters.header(headers, DeadLetters.FIELD), record.key(), record.value());
    }

    /** A header's number, or -1 when it is missing or not one (the topic is anyone's to write). */
    private static long number(final String header) {
        try {
            return header == null ? -1 : Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Dead letters counted by kind of reason, with the field of each kind. */
    private static final class Counts {
        private final Map<String, Integer> byKind = new HashMap<>();
        private final Map<String, String> fieldOf = new HashMap<>();
        private long total;

        void add(final DeadLetter letter) {
            total++;
            byKind.merge(letter.kind(), 1, Integer::sum);
            fieldOf.putIfAbsent(letter.kind(), letter.field());
        }

        void print(final PrintStream out) {
            Map<String, Integer> sorted = new LinkedHashMap<>();
            byKind.entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()
                            .thenComparing(Map.Entry.comparingByKey()))
                    .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            out.printf("%,d dead letters%n", total);
            sorted.forEach((kind, n) -> out.printf("%8d  %s%s%n", n, kind,
                    fieldOf.get(kind) == null ? "" : "  [" + fieldOf.get(kind) + "]"));
        }
    }

    /** Prints the first {@code limit} letters as they come, then how many more there were. */
    private static final class Listing {
        private final int limit;
        private final boolean values;
        private final PrintStream out;
        private long seen;

        Listing(final int limit, final boolean values, final PrintStream out) {
            this.limit = limit;
            this.values = values;
            this.out = out;
        }

        void add(final DeadLetter letter) {
            if (seen++ >= limit) {
                return;
            }
            out.printf("%s  %s%s%n", letter.source(), letter.reason(),
                    letter.field() == null ? "" : "  [" + letter.field() + "]");
            if (values) {
                out.println("    key:   " + text(letter.key(), 200));
                out.println("    value: " + (letter.value() == null ? "(not kept: too large)" : text(letter.value(), 2_000)));
            }
        }

        void end() {
            if (seen > limit) {
                out.printf("... %,d more (--limit N, or narrow with --reason)%n", seen - limit);
            }
        }
    }

    private static String text(final byte[] bytes, final int max) {
        if (bytes == null) {
            return "(none)";
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        return text.length() <= max ? text : text.substring(0, max) + "... (" + bytes.length + " bytes)";
    }

    /**
     * Sends letters' events back to the events topic, key and value as they were, as they are read;
     * prints each one's new consistency token. Letters whose value was not kept, or that came from
     * another topic than the events (records of the chunks topic the shards could not apply), are
     * skipped and counted.
     */
    private static final class Replay implements AutoCloseable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final String eventsTopic;
        private final PrintStream out;
        private final Map<String, Integer> skipped = new TreeMap<>();
        private long sent;

        Replay(final Map<String, Object> kafka, final String eventsTopic, final PrintStream out) {
            Properties props = new Properties();
            props.putAll(kafka);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
            props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_EVENT_BYTES);
            this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
            this.eventsTopic = eventsTopic;
            this.out = out;
        }

        void send(final DeadLetter letter) {
            if (letter.value() == null) {
                skipped.merge("value not kept", 1, Integer::sum);
            } else if (!letter.sourceTopic().equals(eventsTopic)) {
                skipped.merge("from " + letter.sourceTopic() + ", not the events topic", 1, Integer::sum);
            } else {
                try {
                    RecordMetadata meta = producer.send(new ProducerRecord<>(eventsTopic, letter.key(), letter.value()))
                            .get();
                    out.printf("%s -> %d:%d%n", letter.source(), meta.partition(), meta.offset());
                    sent++;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while replaying", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("a replayed event was not accepted: " + e.getCause().getMessage(),
                            e);
                }
            }
        }

        @Override
        public void close() {
            producer.close();
            out.printf("replayed %,d dead letter(s) to %s%n", sent, eventsTopic);
            skipped.forEach((why, n) -> out.printf("skipped %,d: %s%n", n, why));
        }
    }
}
