package io.vectorstream.store;

/** A chunk's identity inside one library shard: the key its vector is indexed under. */
public record ChunkRef(String documentId, String chunkId) {
}
