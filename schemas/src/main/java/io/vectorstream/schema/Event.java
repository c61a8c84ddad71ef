package io.vectorstream.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * The envelope of every event on {@code vectorstream.events} (schema {@code event.json}). The
 * record key is the library id. The payload of an upsert is the REST body of that record.
 */
public record Event(
        EventType type,
        String eventId,
        String libraryId,
        String documentId,
        String chunkId,
        JsonNode payload,
        String occurredAt) {

    /** A new event with a fresh id, stamped now. */
    public static Event of(final EventType type, final String libraryId, final String documentId,
                           final String chunkId, final JsonNode payload) {
        return new Event(type, UUID.randomUUID().toString(), libraryId, documentId, chunkId, payload,
                Instant.now().toString());
    }
}
