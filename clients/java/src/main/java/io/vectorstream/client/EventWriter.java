package io.vectorstream.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes events straight to the events topic, for producers of more than an HTTP call per
 * record can carry: the same records as the REST bodies, as the event contract of docs/events.md
 * wants them (JSON, keyed by the library id so that a library's events stay in order). Each write
 * answers the consistency token of its event ({@code partition:offset}), which a
 * {@link VectorStreamClient} read may wait for. An event the stream cannot apply becomes a dead
 * letter with its reason: nothing is checked here. Needs {@code kafka-clients} on the class path.
 */
public final class EventWriter implements AutoCloseable {

    /** The events topic of a deployment that kept the default name. */
    public static final String DEFAULT_TOPIC = "vectorstream.events";

    private final Producer<String, byte[]> producer;
    private final String topic;

    private EventWriter(final Producer<String, byte[]> producer, final String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /** A writer to {@link #DEFAULT_TOPIC} at {@code bootstrapServers}, with a durable producer's settings. */
    public static EventWriter connect(final String bootstrapServers) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return create(config, DEFAULT_TOPIC);
    }

    /**
     * A writer with the producer settings given (security, client id, ...), to {@code topic}.
     * Acknowledgement by every in-sync replica and idempotence are set unless given: an event
     * acknowledged is then written once, and in order.
     */
    public static EventWriter create(final Properties producerConfig, final String topic) {
        Properties config = new Properties();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "5"); // batches of a high-volume producer, 5 ms at most
        config.putAll(producerConfig);
        return new EventWriter(new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer()), topic);
    }

    public CompletableFuture<String> upsertLibrary(final String libraryId, final LibraryRequest library) {
        return send(event("library.upserted", libraryId, null, null, library));
    }

    public CompletableFuture<String> deleteLibrary(final String libraryId) {
        return send(event("library.deleted", libraryId, null, null, null));
    }

    /** A document with its metadata and, when the request lists them, the chunks that replace all of its chunks. */
    public CompletableFuture<String> upsertDocument(final String libraryId, final String documentId,
                                                    final DocumentRequest document) {
        return send(event("document.upserted", libraryId, documentId, null, document));
    }

    public CompletableFuture<String> deleteDocument(final String libraryId, final String documentId) {
        return send(event("document.deleted", libraryId, documentId, null, null));
    }

    /** The chunk {@code chunk.id()}; a document that does not exist is created with empty metadata. */
    public CompletableFuture<String> upsertChunk(final String libraryId, final String documentId,
                                                 final ChunkRequest chunk) {
        return send(event("chunk.upserted", libraryId, documentId, chunk.id(), chunk));
    }

    public CompletableFuture<String> deleteChunk(final String libraryId, final String documentId,
                                                 final String chunkId) {
        return send(event("chunk.deleted", libraryId, documentId, chunkId, null));
    }

    /** Sends everything batched so far and waits until the broker has acknowledged it. */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }

    private ProducerRecord<String, byte[]> event(final String type, final String libraryId, final String documentId,
                                                 final String chunkId, final Object payload) {
        if (libraryId == null || libraryId.isEmpty()) {
            throw new IllegalArgumentException("an event needs its libraryId");
        }
        ObjectNode event = Transport.JSON.createObjectNode();
        event.put("type", type);
        event.put("libraryId", libraryId);
        if (documentId != null) {
            event.put("documentId", documentId);
        }
        if (chunkId != null) {
            event.put("chunkId", chunkId);
        }
        if (payload != null) {
            event.set("payload", Transport.JSON.valueToTree(payload));
        }
        try {
            return new ProducerRecord<>(topic, libraryId, Transport.JSON.writeValueAsString(event)
                    .getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the event as JSON: " + e.getMessage(), e);
        }
    }

    private CompletableFuture<String> send(final ProducerRecord<String, byte[]> record) {
        CompletableFuture<String> token = new CompletableFuture<>();
        producer.send(record, (metadata, failure) -> {
            if (failure != null) {
                token.completeExceptionally(failure);
            } else {
                token.complete(metadata.partition() + ":" + metadata.offset());
            }
        });
        return token;
    }
}
