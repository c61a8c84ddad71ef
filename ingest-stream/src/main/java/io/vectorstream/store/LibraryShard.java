package io.vectorstream.store;

import io.vectorstream.index.FlatIndex;
import io.vectorstream.record.LibraryRecord;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * What one shard holds of one library, in memory: its record, the ids of its documents and
 * chunks in order (for listings, counts and cascading deletes), and its vector index. Written by
 * the stream thread only; read by any thread (concurrent collections, volatile fields, counters
 * so that counts cost nothing).
 */
final class LibraryShard {

    private volatile LibraryRecord library;
    private final ConcurrentSkipListMap<String, NavigableSet<String>> chunkIdsByDocument = new ConcurrentSkipListMap<>();
    private final AtomicInteger documentCount = new AtomicInteger();
    private volatile FlatIndex<ChunkRef> index;

    LibraryRecord library() {
        return library;
    }

    /**
     * Takes the library's record. When that brings a new index (first record, or another dimension
     * or metric), the index is filled with the chunks this shard already lists, read through
     * {@code vectors}: a restore from a compacted changelog can replay chunks before the only
     * surviving record of their library.
     *
     * @param vectors the vector of (document id, chunk id), or {@code null} when it is not stored
     */
    void library(final LibraryRecord record, final BiFunction<String, String, float[]> vectors) {
        library = record;
        if (index != null && index.dimension() == record.dimension() && index.metric() == record.metric()) {
            return;
        }
        FlatIndex<ChunkRef> fresh = new FlatIndex<>(record.dimension(), record.metric());
        chunkIdsByDocument.forEach((documentId, chunkIds) -> chunkIds.forEach(chunkId -> {
            float[] vector = vectors.apply(documentId, chunkId);
            if (vector != null && vector.length == record.dimension()) {
                fresh.put(new ChunkRef(documentId, chunkId), vector);
            }
        }));
        index = fresh;
    }

    FlatIndex<ChunkRef> index() {
        return index;
    }

    ConcurrentSkipListMap<String, NavigableSet<String>> documents() {
        return chunkIdsByDocument;
    }

    void addDocument(final String documentId) {
        chunkIdsOf(documentId);
    }

    void removeDocument(final String documentId) {
        if (chunkIdsByDocument.remove(documentId) != null) {
            documentCount.decrementAndGet();
        }
    }

    void addChunk(final String documentId, final String chunkId, final float[] vector) {
        chunkIdsOf(documentId).add(chunkId);
        FlatIndex<ChunkRef> current = index;
        if (current != null && vector.length == current.dimension()) {
            current.put(new ChunkRef(documentId, chunkId), vector);
        }
    }

    void removeChunk(final String documentId, final String chunkId) {
        NavigableSet<String> chunks = chunkIdsByDocument.get(documentId);
        if (chunks != null) {
            chunks.remove(chunkId);
        }
        FlatIndex<ChunkRef> current = index;
        if (current != null) {
            current.remove(new ChunkRef(documentId, chunkId));
        }
    }

    int documentCount() {
        return documentCount.get();
    }

    int chunkCount() {
        FlatIndex<ChunkRef> current = index;
        return current == null ? 0 : current.size();
    }

    private NavigableSet<String> chunkIdsOf(final String documentId) {
        NavigableSet<String> chunks = chunkIdsByDocument.get(documentId);
        if (chunks == null) {
            chunks = new ConcurrentSkipListSet<>();
            chunkIdsByDocument.put(documentId, chunks);
            documentCount.incrementAndGet();
        }
        return chunks;
    }
}
