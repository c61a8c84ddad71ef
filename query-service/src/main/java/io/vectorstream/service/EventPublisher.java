package io.vectorstream.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.vectorstream.schema.Event;
import io.vectorstream.schema.Json;
import io.vectorstream.stream.ConsistencyToken;
import io.vectorstream.stream.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the HTTP API's writes as events on the input topic, keyed by library id, and returns
 * the position written as a consistency token. Idempotent with all replicas acknowledging, so a
 * write the caller was told about is not lost.
 */
public final class EventPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

    /**
     * The header naming who asked for an event: the API key's name. The event log is the audit
     * trail; an event without it came from an open API, the service itself, or another producer.
     */
    public static final String PRINCIPAL_HEADER = "vectorstream.principal";

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    /** @param kafka the connection's settings ({@code IngestStreams.Settings#clientConfig}) */
    public EventPublisher(final Map<String, Object> kafka, final String topic) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        // Metadata (a send's) waits 10 s at most, not 60: an HTTP request must
        // not hang a minute while the broker is unreachable.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_EVENT_BYTES);
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    /**
     * Publishes one event and waits for the broker's acknowledgement.
     *
     * @param principal the API key's name that asked for it, or {@code null}
     */
    public ConsistencyToken publish(final Event event, final String principal) {
        try {
            byte[] value = Json.MAPPER.writeValueAsBytes(event);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, event.libraryId(), value);
            if (principal != null) {
                record.headers().add(PRINCIPAL_HEADER, principal.getBytes(StandardCharsets.UTF_8));
            }
            RecordMetadata meta = producer.send(record).get(30, TimeUnit.SECONDS);
            return ConsistencyToken.of(meta.partition(), meta.offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Refusal.unavailable("interrupted while publishing");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RecordTooLargeException) {
                throw new Refusal(Refusal.Reason.PAYLOAD_TOO_LARGE, "the event is larger than the events topic accepts",
                        null);
            }
            LOG.warn("the events topic did not accept a write", e.getCause());
            throw Refusal.unavailable("the event log did not accept the write (logged on the server); retry");
        } catch (TimeoutException e) {
            throw Refusal.unavailable("the event log did not acknowledge the write in time");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise event", e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
