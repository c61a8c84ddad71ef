package io.vectorstream.schema;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The kinds of event on {@code vectorstream.events}, with their wire names. */
public enum EventType {
    LIBRARY_UPSERTED("library.upserted"),
    LIBRARY_DELETED("library.deleted"),
    DOCUMENT_UPSERTED("document.upserted"),
    DOCUMENT_DELETED("document.deleted"),
    CHUNK_UPSERTED("chunk.upserted"),
    CHUNK_DELETED("chunk.deleted"),
    /** Rebuild (and for IVF retrain) a library's index in every shard, now. */
    LIBRARY_INDEX_REQUESTED("library.index.requested");

    private final String wireName;

    EventType(final String wireName) {
        this.wireName = wireName;
    }

    /** The name used in the event's {@code type} field. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Whether every shard must see this event (it concerns a whole library). */
    public boolean isLibraryLevel() {
        return this == LIBRARY_UPSERTED || this == LIBRARY_DELETED || this == LIBRARY_INDEX_REQUESTED;
    }

    /** The type with this wire name. */
    @JsonCreator
    public static EventType fromWireName(final String name) {
        for (EventType type : values()) {
            if (type.wireName.equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown event type: " + name);
    }
}
