package io.vectorstream.record;

/**
 * A chunk: text, its vector (normalised when the library's metric is cosine) and metadata.
 *
 * @param version offset in the events topic of the event that last wrote it
 */
public record ChunkRecord(String libraryId, String documentId, String id, String text, float[] vector,
                          String metadataJson, long version, long createdAt, long updatedAt) {

    /** This chunk as written again by a later event, keeping its creation time. */
    public ChunkRecord updatedFrom(final ChunkRecord previous) {
        return previous == null ? this
                : new ChunkRecord(libraryId, documentId, id, text, vector, metadataJson, version,
                previous.createdAt(), updatedAt);
    }
}
