package io.vectorstream.store;

import io.vectorstream.index.Ordinal;

/**
 * A chunk's identity inside one library shard: the key its vector is indexed under. It carries the
 * chunk's ordinal in the shard's {@link FieldIndex} (-1 when it has none), by which the vector
 * index finds it from a filter's bitmap of ordinals; two references to one chunk are equal whatever
 * ordinal they carry.
 */
public record ChunkRef(String documentId, String chunkId, int ordinal) implements Ordinal {

    /** A reference that carries no ordinal (to look a chunk up, or remove it). */
    public ChunkRef(final String documentId, final String chunkId) {
        this(documentId, chunkId, -1);
    }

    @Override
    public boolean equals(final Object other) {
        return this == other || other instanceof ChunkRef that && documentId.equals(that.documentId)
                && chunkId.equals(that.chunkId);
    }

    @Override
    public int hashCode() {
        return 31 * documentId.hashCode() + chunkId.hashCode(); // no array, unlike Objects.hash: a hot path
    }
}
