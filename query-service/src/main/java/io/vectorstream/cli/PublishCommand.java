package io.vectorstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.schema.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
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

    static void run(final String bootstrap, final String topic, final PrintStream out) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        int sent = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer());
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                RecordMetadata meta = producer.send(new ProducerRecord<>(topic, libraryIdOf(line), line)).get();
                out.println(meta.partition() + ":" + meta.offset());
                sent++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing to " + topic + " at " + bootstrap + " failed: "
                    + e.getCause().getMessage(), e);
        }
        System.err.println("published " + sent + " event(s) to " + topic);
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
