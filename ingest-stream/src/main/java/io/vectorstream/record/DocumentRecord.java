package io.vectorstream.record;

/**
 * A document's own record; its chunks are stored under their own keys.
 *
 * @param version offset in the events topic of the event that last wrote it
 */
public record DocumentRecord(String libraryId, String id, String metadataJson, long version,
                             long createdAt, long updatedAt) {

    /** This document as written again by a later event, keeping its creation time. */
    public DocumentRecord updatedFrom(final DocumentRecord previous) {
        return previous == null ? this
                : new DocumentRecord(libraryId, id, metadataJson, version, previous.createdAt(), updatedAt);
    }
}
