package io.vectorstream.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * The envelope of every event on {@code vectorstream.events} (schema {@code event.json}). The
 * record key is the library id. The payload of an upsert is the REST body of that record.
 *
 * @param expectedVersion {@code library.upserted} only, optional: the library's version the write
 *                        was made against ({@code -1}: none), for optimistic concurrency
 */
public record Event(
        EventType type,
        String eventId,
        String libraryId,
        String documentId,
        String chunkId,
        JsonNode payload,
        String occurredAt,
        Long expectedVersion) {

    /** A new event with a fresh id, stamped now. */
    public static Event of(final EventType type, final String libraryId, final String documentId,
                           final String chunkId, final JsonNode payload) {
        return new Event(type, UUID.randomUUID().toString(), libraryId, documentId, chunkId, payload,
                Instant.now().toString(), null);
    }

    /**
     * This event, applied only if the library is at {@code version} when it is processed ({@code
     * -1}: only if there is no such library); a dead letter otherwise.
     */
    public Event expecting(final long version) {
        return new Event(type, eventId, libraryId, documentId, chunkId, payload, occurredAt, version);
    }
}
