package io.vectorstream.record;

import io.vectorstream.index.Metric;
import io.vectorstream.schema.filter.MetadataSchema;

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
 * @param metadataSchemaJson the types of chunk metadata fields ({@code {"year":"number"}}) as JSON,
 *                     or {@code null} when the library declares none
 */
public record LibraryRecord(String id, String name, String metadataJson, int dimension, Metric metric,
                            String indexJson, long version, long createdAt, long updatedAt, String model,
                            String metadataSchemaJson) {

    /** A library without a metadata schema. */
    public LibraryRecord(final String id, final String name, final String metadataJson, final int dimension,
                         final Metric metric, final String indexJson, final long version, final long createdAt,
                         final long updatedAt, final String model) {
        this(id, name, metadataJson, dimension, metric, indexJson, version, createdAt, updatedAt, model, null);
    }

    /** This library as written again by a later event, keeping its creation time. */
    public LibraryRecord updatedFrom(final LibraryRecord previous) {
        return previous == null ? this
                : new LibraryRecord(id, name, metadataJson, dimension, metric, indexJson, version,
                previous.createdAt(), updatedAt, model, metadataSchemaJson);
    }

    /** Its metadata schema ({@link MetadataSchema#NONE} when it declares none). */
    public MetadataSchema metadataSchema() {
        return MetadataSchema.of(metadataSchemaJson);
    }
}
