package io.vectorstream.client;

import java.util.Map;

/**
 * The body of a library's create or update (PATCH): null fields are left out. A create needs a
 * {@code dimension} or a {@code model}; dimension, metric and model cannot change afterwards.
 *
 * @param metric         {@code cosine} (the default), {@code dot} or {@code l2}
 * @param metadataSchema types of chunk metadata fields ({@code "number"}, {@code "string[]"}, ...)
 */
public record LibraryRequest(String id, String name, Integer dimension, String metric, String model, IndexSpec index,
                             Map<String, Object> metadata, Map<String, String> metadataSchema) {

    /** A library whose chunks and searches may send text, embedded by {@code model}. */
    public static LibraryRequest withModel(final String id, final String name, final String model) {
        return new LibraryRequest(id, name, null, null, model, null, null, null);
    }

    /** A library of vectors of {@code dimension} compared by {@code metric}. */
    public static LibraryRequest withDimension(final String id, final String name, final int dimension,
                                               final String metric) {
        return new LibraryRequest(id, name, dimension, metric, null, null, null, null);
    }

    /** An update of the name only. */
    public static LibraryRequest rename(final String name) {
        return new LibraryRequest(null, name, null, null, null, null, null, null);
    }

    public LibraryRequest withIndex(final IndexSpec newIndex) {
        return new LibraryRequest(id, name, dimension, metric, model, newIndex, metadata, metadataSchema);
    }

    public LibraryRequest withMetadata(final Map<String, Object> newMetadata) {
        return new LibraryRequest(id, name, dimension, metric, model, index, newMetadata, metadataSchema);
    }

    public LibraryRequest withMetadataSchema(final Map<String, String> newSchema) {
        return new LibraryRequest(id, name, dimension, metric, model, index, metadata, newSchema);
    }
}
