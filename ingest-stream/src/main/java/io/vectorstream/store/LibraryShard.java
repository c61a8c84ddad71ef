package io.vectorstream.store;

import io.vectorstream.index.FlatIndex;
import io.vectorstream.record.LibraryRecord;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * What one shard holds of one library, in memory: its record, the ids of its documents and
 * chunks in order (for listings, counts and cascading deletes), and its vector index. Written by
 * the stream thread only; read by any thread (concurrent collections, volatile fields).
 */
final class LibraryShard {

    private volatile LibraryRecord library;
    private final ConcurrentSkipListMap<String, NavigableSet<String>> chunkIdsByDocument = new ConcurrentSkipListMap<>();
    private volatile FlatIndex<ChunkRef> index;

    LibraryRecord library() {
        return library;
    }

    void library(final LibraryRecord record) {
        if (index == null || index.dimension() != record.dimension() || index.metric() != record.metric()) {
            index = new FlatIndex<>(record.dimension(), record.metric());
        }
        library = record;
    }

    FlatIndex<ChunkRef> index() {
        return index;
    }

    ConcurrentSkipListMap<String, NavigableSet<String>> documents() {
        return chunkIdsByDocument;
    }

    void addDocument(final String documentId) {
        chunkIdsByDocument.computeIfAbsent(documentId, id -> new ConcurrentSkipListSet<>());
    }

    void removeDocument(final String documentId) {
        chunkIdsByDocument.remove(documentId);
    }

    void addChunk(final String documentId, final String chunkId, final float[] vector) {
        chunkIdsByDocument.computeIfAbsent(documentId, id -> new ConcurrentSkipListSet<>()).add(chunkId);
        if (index != null && vector.length == index.dimension()) {
            index.put(new ChunkRef(documentId, chunkId), vector);
        }
    }

    void removeChunk(final String documentId, final String chunkId) {
        NavigableSet<String> chunks = chunkIdsByDocument.get(documentId);
        if (chunks != null) {
            chunks.remove(chunkId);
        }
        if (index != null) {
            index.remove(new ChunkRef(documentId, chunkId));
        }
    }

    int chunkCount() {
        return index == null ? 0 : index.size();
    }
}
