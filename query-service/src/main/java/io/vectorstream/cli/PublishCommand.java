package io.vectorstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.schema.Json;
import io.vectorstream.stream.KafkaClients;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code vectorstream publish}: a plain Kafka producer for events, one JSON event per line of
 * standard input, keyed by its {@code libraryId}. Prints each event's consistency token. It does
 * not validate: the stream does, and sends what it rejects to the dead-letter topic.
 */
final class PublishCommand {

    private PublishCommand() {
    }

    /** Sends in flight at once: the tokens still come out in input order. */
    private static final int IN_FLIGHT = 1_000;
    private static final int PROGRESS_EVERY = 10_000;

    /** @param kafka the producer's connection ({@link KafkaClients#config}) */
    static void run(final Map<String, Object> kafka, final String topic, final InputStream input,
                    final PrintStream out) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // A broker that does not answer, or a topic that does not exist: fail within 15 s, not after
        // a minute per send.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        int sent = 0;
        // Waiting for each send before the next one capped a bulk load at a few hundred events per
        // second; the idempotent producer keeps the order per partition with sends in flight.
        ArrayDeque<Future<RecordMetadata>> inFlight = new ArrayDeque<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer());
             BufferedReader in = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                inFlight.add(producer.send(new ProducerRecord<>(topic, libraryIdOf(line), line)));
                // In input order: every finished send at the head (a failed one ends the run at
                // once), and the oldest one whenever too many are in flight.
                while (!inFlight.isEmpty() && (inFlight.size() >= IN_FLIGHT || inFlight.peek().isDone())) {
                    printToken(inFlight.poll().get(), out);
                }
                if (++sent % PROGRESS_EVERY == 0) {
                    System.err.printf("published %,d events...%n", sent);
                }
            }
            while (!inFlight.isEmpty()) {
                printToken(inFlight.poll().get(), out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing to " + topic + " at " + kafka.get("bootstrap.servers") + " failed: "
                    + e.getCause().getMessage(), e);
        }
        System.err.println("published " + sent + " event(s) to " + topic);
    }

    private static void printToken(final RecordMetadata meta, final PrintStream out) {
        out.println(meta.partition() + ":" + meta.offset());
    }

    /** The library id of an event, or {@code null} when the line is not such JSON (the stream will say why). */
    private static String libraryIdOf(final String line) {
        try {
            JsonNode event = Json.MAPPER.readTree(line);
            return event != null && event.path("libraryId").isTextual() ? event.get("libraryId").asText() : null;
        } catch (IOException notJson) {
            return null;
        }
    }
}
