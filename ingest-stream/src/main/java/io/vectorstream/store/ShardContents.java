package io.vectorstream.store;

import io.vectorstream.index.BackgroundTraining;
import io.vectorstream.index.VectorIndex;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.DocumentRecord;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import io.vectorstream.record.RecordKey.ChunkKey;
import io.vectorstream.record.RecordKey.DocumentKey;
import io.vectorstream.record.RecordKey.LibraryKey;
import io.vectorstream.record.RecordKey.WatermarkKey;
import io.vectorstream.store.ShardQuery.DocumentStats;
import io.vectorstream.store.ShardQuery.LibraryStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The in-memory view of one shard derived from its key-value records: libraries with their
 * ordered ids and vector indexes, and the input watermarks. It is kept in step with every put and
 * delete of the store (live and during restoration) and rebuilt when the store opens, so it always
 * describes exactly the records in the map. It answers the {@link ShardQuery} queries, reading
 * full records through {@code records}.
 */
final class ShardContents {

    private final ConcurrentSkipListMap<String, LibraryShard> libraries = new ConcurrentSkipListMap<>();
    private final Map<Integer, Long> watermarks = new ConcurrentHashMap<>();
    private final Function<byte[], byte[]> records;
    /** An insert started a training beside the writer since {@link #takeTrainingStarted} (writer thread only). */
    private boolean trainingStarted;

    /** Whether an insert started a training beside the writer since last asked: the writer must come back to install it. */
    boolean takeTrainingStarted() {
        boolean started = trainingStarted;
        trainingStarted = false;
        return started;
    }

    /** Between {@link #beginLoading} and {@link #endLoading} (writer thread only). */
    private boolean loading;

    /** The IVF trainings the libraries' indexes keep beside the shard file. */
    private final IvfTrainings trainings;

    /**
     * @param records   reads the stored value of an encoded key, or {@code null}
     * @param trainings  where the libraries' IVF indexes keep their trainings
     * @param background where their own trainings run ({@code null}: on the writer's thread)
     */
    ShardContents(final Function<byte[], byte[]> records, final IvfTrainings trainings,
                  final BackgroundTraining background) {
        this.records = records;
        this.trainings = trainings;
        this.background = background;
    }

    /** Where the indexes' own trainings run ({@code null}: on the writer's thread). */
    private final BackgroundTraining background;

    /** Takes a record that was just written. */
    void onPut(final RecordKey key, final byte[] value) {
        switch (key) {
            case LibraryKey k -> shardOf(k.libraryId()).library(RecordCodec.decodeLibrary(value),
                    (documentId, chunkId) -> vectorOf(k.libraryId(), documentId, chunkId));
            case DocumentKey k -> shardOf(k.libraryId()).addDocument(RecordCodec.decodeDocument(value));
            case ChunkKey k -> shardOf(k.libraryId()).addChunk(RecordCodec.decodeChunkWithoutText(value));
            case WatermarkKey k -> {
                watermarks.merge(k.inputPartition(), RecordCodec.decodeOffset(value), Math::max);
                WatermarkSignal.moved();
            }
            case RecordKey.IndexRequestKey k -> ifPresent(k.libraryId(), shard -> {
                if (loading) {
                    shard.trainAfterLoading(); // the load builds the index anyway; it trains after
                } else {
                    shard.rebuildIndex((documentId, chunkId) -> vectorOf(k.libraryId(), documentId, chunkId), true);
                }
            });
        }
        noteTraining(key);
    }

    /**
     * Notes that a put started a training beside the writer (an insert past a threshold, a new
     * index from a library record or an index request): the writer must come back to install it.
     */
    private void noteTraining(final RecordKey key) {
        String libraryId = key.libraryId();
        LibraryShard shard = libraryId == null ? null : libraries.get(libraryId);
        if (shard != null && shard.hasTrainingToFinish()) {
            trainingStarted = true;
        }
    }

    /** Takes a record that was just deleted. */
    void onDelete(final RecordKey key) {
        switch (key) {
            case LibraryKey k -> {
                LibraryShard removed = libraries.remove(k.libraryId());
                if (removed != null) {
                    removed.release();
                }
                trainings.delete(k.libraryId());
            }
            case DocumentKey k -> ifPresent(k.libraryId(), shard -> shard.removeDocument(k.documentId()));
            case ChunkKey k -> ifPresent(k.libraryId(), shard -> shard.removeChunk(k.documentId(), k.chunkId()));
            case WatermarkKey k -> watermarks.remove(k.inputPartition());
            case RecordKey.IndexRequestKey k -> {
                // The request was carried out when it was written; forgetting it changes nothing.
            }
        }
    }

    /**
     * Checks that a chunk the store is about to take fits the memory budgets (a new one: a
     * rewrite takes no more).
     *
     * @param isNew whether the store holds no chunk under this key yet; asked only near a budget
     * @throws IndexMemory.OverBudget when it does not fit
     */
    void requireRoomFor(final ChunkKey key, final BooleanSupplier isNew) {
        LibraryShard shard = libraries.get(key.libraryId());
        if (shard == null) {
            return;
        }
        try {
            shard.requireRoomForVector();
        } catch (IndexMemory.OverBudget e) {
            if (isNew.getAsBoolean()) {
                throw e;
            }
        }
    }

    /** This view is dropped (its store closes): none of its indexes is counted in {@link IndexMemory} any more. */
    void releaseAll() {
        libraries.values().forEach(LibraryShard::release);
    }

    /** Keys of a library's documents, in id order. */
    List<DocumentKey> documentKeys(final String libraryId) {
        LibraryShard shard = libraries.get(libraryId);
        List<DocumentKey> keys = new ArrayList<>();
        if (shard != null) {
            shard.documents().keySet().forEach(doc -> keys.add(new DocumentKey(libraryId, doc)));
        }
        return keys;
    }

    /** Keys of the chunks of one document, or of every document of the library when {@code documentId} is null. */
    List<ChunkKey> chunkKeys(final String libraryId, final String documentId) {
        LibraryShard shard = libraries.get(libraryId);
        List<ChunkKey> keys = new ArrayList<>();
        if (shard == null) {
            return keys;
        }
        var documents = documentId == null ? shard.documents() : shard.documents().subMap(documentId, true, documentId, true);
        documents.forEach((doc, chunks) -> chunks.forEach(chunk -> keys.add(new ChunkKey(libraryId, doc, chunk))));
        return keys;
    }

    /** Answers a query from this shard. */
    Object answer(final ShardQuery<?> query) {
        return switch (query) {
            case ShardQuery.Knn q -> knn(q);
            case ShardQuery.GetLibrary q -> Optional.ofNullable(libraries.get(q.libraryId()))
                    .filter(shard -> shard.library() != null).map(ShardContents::stats);
            case ShardQuery.ListLibraries q -> listLibraries(q);
            case ShardQuery.GetDocument q -> getDocument(q.libraryId(), q.documentId());
            case ShardQuery.ListDocuments q -> listDocuments(q);
            case ShardQuery.GetChunk q -> Optional.ofNullable(chunk(q.libraryId(), q.documentId(), q.chunkId()));
            case ShardQuery.ListChunks q -> listChunks(q);
            case ShardQuery.Watermarks q -> Map.copyOf(watermarks);
            case ShardQuery.Count q -> count(q);
            case ShardQuery.IndexReport q -> Optional.ofNullable(libraries.get(q.libraryId()))
                    .map(LibraryShard::indexStats);
        };
    }

    private long count(final ShardQuery.Count q) {
        LibraryShard shard = libraries.get(q.libraryId());
        if (shard == null || shard.library() == null) {
            return 0;
        }
        return q.filterJson() == null ? shard.chunkCount() : shard.fields().matches(ShardSearch.filter(q.filterJson(), shard.library())).getCardinality();
    }

    private ShardQuery.KnnAnswer knn(final ShardQuery.Knn q) {
        LibraryShard shard = libraries.get(q.libraryId());
        VectorIndex<ChunkRef> index = shard == null ? null : shard.index();
        if (index == null || index.dimension() != q.vector().length) {
            return ShardSearch.empty(); // none yet, or mid-change of dimension
        }
        return new ShardSearch(shard, ref -> chunk(q.libraryId(), ref.documentId(), ref.chunkId()), documentId -> {
            DocumentRecord document = document(q.libraryId(), documentId);
            return document == null ? null : document.metadataJson();
        }).answer(q, index);
    }

    private static LibraryStats stats(final LibraryShard shard) {
        return new LibraryStats(shard.library(), shard.documentCount(), shard.chunkCount());
    }

    private List<LibraryStats> listLibraries(final ShardQuery.ListLibraries q) {
        var tail = q.afterId() == null ? libraries : libraries.tailMap(q.afterId(), false);
        List<LibraryStats> out = new ArrayList<>();
        for (LibraryShard shard : tail.values()) {
            if (out.size() == q.limit()) {
                break;
            }
            if (shard.library() != null) {
                out.add(stats(shard));
            }
        }
        return out;
    }

    private Optional<DocumentStats> getDocument(final String libraryId, final String documentId) {
        LibraryShard shard = libraries.get(libraryId);
        NavigableSet<String> chunks = shard == null ? null : shard.documents().get(documentId);
        byte[] bytes = chunks == null ? null : records.apply(new DocumentKey(libraryId, documentId).encode());
        return bytes == null ? Optional.empty()
                : Optional.of(new DocumentStats(RecordCodec.decodeDocument(bytes), chunks.size()));
    }

    private List<DocumentStats> listDocuments(final ShardQuery.ListDocuments q) {
        LibraryShard shard = libraries.get(q.libraryId());
        List<DocumentStats> out = new ArrayList<>();
        if (shard == null) {
            return out;
        }
        var tail = q.afterId() == null ? shard.documents() : shard.documents().tailMap(q.afterId(), false);
        for (String documentId : tail.keySet()) {
            if (out.size() == q.limit()) {
                break;
            }
            getDocument(q.libraryId(), documentId).ifPresent(out::add);
        }
        return out;
    }

    private List<ChunkRecord> listChunks(final ShardQuery.ListChunks q) {
        LibraryShard shard = libraries.get(q.libraryId());
        NavigableSet<String> chunks = shard == null ? null : shard.documents().get(q.documentId());
        List<ChunkRecord> out = new ArrayList<>();
        if (chunks == null) {
            return out;
        }
        for (String chunkId : q.afterId() == null ? chunks : chunks.tailSet(q.afterId(), false)) {
            if (out.size() == q.limit()) {
                break;
            }
            ChunkRecord chunk = chunk(q.libraryId(), q.documentId(), chunkId);
            if (chunk != null) {
                out.add(chunk);
            }
        }
        return out;
    }

    private float[] vectorOf(final String libraryId, final String documentId, final String chunkId) {
        byte[] bytes = records.apply(new ChunkKey(libraryId, documentId, chunkId).encode());
        return bytes == null ? null : RecordCodec.vectorOfChunk(bytes);
    }

    private ChunkRecord chunk(final String libraryId, final String documentId, final String chunkId) {
        byte[] bytes = records.apply(new ChunkKey(libraryId, documentId, chunkId).encode());
        return bytes == null ? null : RecordCodec.decodeChunk(bytes);
    }

    /** The library record, if this shard has it. */
    LibraryRecord library(final String libraryId) {
        LibraryShard shard = libraries.get(libraryId);
        return shard == null ? null : shard.library();
    }

    DocumentRecord document(final String libraryId, final String documentId) {
        byte[] bytes = records.apply(new DocumentKey(libraryId, documentId).encode());
        return bytes == null ? null : RecordCodec.decodeDocument(bytes);
    }

    private LibraryShard shardOf(final String libraryId) {
        return libraries.computeIfAbsent(libraryId, id -> {
            LibraryShard shard = new LibraryShard(id, trainings, background);
            if (loading) {
                shard.beginLoading();
            }
            return shard;
        });
    }

    /**
     * Starts loading this view from the store's records: indexes hold back training until
     * {@link #endLoading}, then train once each ({@link io.vectorstream.index.VectorIndex#beginBulkLoad}).
     */
    void beginLoading() {
        loading = true;
        libraries.values().forEach(LibraryShard::beginLoading);
    }

    /** Ends loading; indexes that are due to train do so one at a time ({@link #trainOneDue}). */
    void endLoading() {
        loading = false;
        libraries.values().forEach(LibraryShard::endLoading);
    }

    /** Trains one index a load left due to train; false when none was. Writer thread only. */
    boolean trainOneDue() {
        for (LibraryShard shard : libraries.values()) {
            if (shard.trainIfDue()) {
                return true;
            }
        }
        return false;
    }

    private void ifPresent(final String libraryId, final Consumer<LibraryShard> action) {
        LibraryShard shard = libraries.get(libraryId);
        if (shard != null) {
            action.accept(shard);
        }
    }
}
