package io.vectorstream.record;

import io.vectorstream.index.Metric;

/**
 * A library as stored in every shard (library events are multicast to all of them).
 *
 * @param metadataJson the caller's metadata object as JSON
 * @param indexJson    the index spec ({@code {"kind":"flat"}}) as JSON
 * @param version      offset in the events topic of the event that last wrote it
 * @param createdAt    epoch milliseconds of the event that created it
 * @param updatedAt    epoch milliseconds of the event that last wrote it
 * @param model        id of the embedding model that turns its texts into vectors, or {@code null}
 *                     when callers send vectors
 */
public record LibraryRecord(String id, String name, String metadataJson, int dimension, Metric metric,
                            String indexJson, long version, long createdAt, long updatedAt, String model) {

    /** This library as written again by a later event, keeping its creation time. */
    public LibraryRecord updatedFrom(final LibraryRecord previous) {
        return previous == null ? this
                : new LibraryRecord(id, name, metadataJson, dimension, metric, indexJson, version,
                previous.createdAt(), updatedAt, model);
    }
}
