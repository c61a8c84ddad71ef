package io.vectorstream.store;

import io.vectorstream.index.BackgroundTraining;
import io.vectorstream.index.IndexFactory;
import io.vectorstream.index.IndexStats;
import io.vectorstream.index.IvfIndex;
import io.vectorstream.index.VectorIndex;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.DocumentRecord;
import io.vectorstream.record.LibraryRecord;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one shard holds of one library, in memory: its record, the ids of its documents and
 * chunks in order (for listings, counts and cascading deletes), and its vector index. Written by
 * the stream thread only; read by any thread (concurrent collections, volatile fields, counters
 * so that counts cost nothing).
 */
final class LibraryShard {

    private static final Logger LOG = LoggerFactory.getLogger(LibraryShard.class);

    private volatile LibraryRecord library;
    private final ConcurrentSkipListMap<String, NavigableSet<String>> chunkIdsByDocument = new ConcurrentSkipListMap<>();
    private final AtomicInteger documentCount = new AtomicInteger();
    private volatile VectorIndex<ChunkRef> index;
    /** The chunks' metadata by field, for filters. */
    private final FieldIndex fields = new FieldIndex();
    /** While the shard is loaded from its stored records: indexes train once, at {@link #endLoading}. */
    private boolean loading;
    /** An index request was among the loaded records: train after loading whatever the size. */
    private boolean trainRequested;
    private final IvfTrainings trainings;
    /** The IVF training kept before the open, adopted after loading instead of a new training. */
    private IvfIndex.Training keptTraining;
    /** {@link IvfIndex#trainings()} of the index when its training was last kept (or adopted). */
    private int keptTrainings;

    /** The library this is a shard of. */
    private final String libraryId;
    /** What {@link IndexMemory} counts for this shard's index now. */
    private long accountedBytes;

    /** Where the index's own trainings run ({@code null}: on the writer's thread). */
    private final BackgroundTraining background;

    LibraryShard(final String libraryId, final IvfTrainings trainings,
                 final BackgroundTraining background) {
        this.libraryId = libraryId;
        this.trainings = trainings;
        this.background = background;
    }

    /**
     * Counts this shard's index in {@link IndexMemory} as it is now: its vectors, and what it
     * allocates up front. Cheap (sizes only): called after every change.
     */
    private void account() {
        long bytes = bytesOf(index) + bytesOf(rebuilding);
        IndexMemory.add(libraryId, bytes - accountedBytes);
        accountedBytes = bytes;
    }

    private static long bytesOf(final VectorIndex<ChunkRef> index) {
        return index == null ? 0 : index.size() * IndexMemory.perVector(index.dimension()) + index.fixedBytes();
    }

    /**
     * A rebuilt index (a request, other parameters) whose training runs beside the writer: it
     * takes every write, and replaces {@link #index} once it is trained, so that searches keep the
     * index they had until then rather than falling back to an exact scan. Writer thread only.
     */
    private VectorIndex<ChunkRef> rebuilding;

    /** This shard of the library is gone (deleted, or its store closed): its index is no longer counted or trained. */
    void release() {
        IndexMemory.add(libraryId, -accountedBytes);
        accountedBytes = 0;
        VectorIndex<ChunkRef> current = index;
        if (current != null) {
            current.discard();
        }
        if (rebuilding != null) {
            rebuilding.discard();
            rebuilding = null;
        }
    }

    /**
     * Checks that one more vector fits the memory budgets.
     *
     * @throws IndexMemory.OverBudget when it does not
     */
    void requireRoomForVector() {
        VectorIndex<ChunkRef> current = index;
        if (current != null) {
            IndexMemory.requireRoom(libraryId, IndexMemory.perVector(current.dimension()));
        }
    }

    LibraryRecord library() {
        return library;
    }

    /**
     * Takes the library's record. When that brings a new index (first record, another dimension or
     * metric, or another index kind or parameters), the new index is built from the chunks this shard
     * already lists, read through {@code vectors}, and replaces the old one when complete; searches
     * use the old one meanwhile. (A restore from a compacted changelog can also replay chunks before
     * the only surviving record of their library.)
     *
     * @param vectors the vector of (document id, chunk id), or {@code null} when it is not stored
     */
    void library(final LibraryRecord record, final BiFunction<String, String, float[]> vectors) {
        LibraryRecord previous = library;
        boolean sameIndex = index != null && previous != null && previous.dimension() == record.dimension()
                && previous.metric() == record.metric() && previous.indexJson().equals(record.indexJson());
        if (!sameIndex) {
            // Readers must not see the new record (its dimension) before the index that matches it.
            buildIndex(record, vectors, false);
        }
        library = record;
    }

    /**
     * Builds the library's index again from the chunks this shard lists and swaps it in; with
     * {@code train}, an IVF index trains on them right away whatever their number.
     */
    void rebuildIndex(final BiFunction<String, String, float[]> vectors, final boolean train) {
        LibraryRecord record = library;
        if (record == null) {
            return;
        }
        if (rebuilding != null && record.indexJson().equals(rebuildingFor)) {
            // Coalesced: the rebuild under way (of this very spec) answers this request too; the
            // writes since its copy are placed when it is installed.
            return;
        }
        buildIndex(record, vectors, train);
    }

    /** The index spec {@link #rebuilding} was built for. */
    private String rebuildingFor;

    private void buildIndex(final LibraryRecord record, final BiFunction<String, String, float[]> vectors,
                            final boolean train) {
        VectorIndex<ChunkRef> fresh = withinBudget(IndexSpecs.create(record.indexJson(), record.dimension(),
                record.metric(), background), record);
        keptTrainings = 0;
        keptTraining = null;
        if (!(fresh instanceof IvfIndex<ChunkRef> ivf) || !loading || train) {
            // A new index: the kept training, if any, is of the one it replaces. This one keeps
            // its own once it trains.
            trainings.delete(record.id());
        } else {
            // Reopened: the vectors go to the lists of the kept centroids once loaded (trainIfDue).
            keptTraining = trainings.read(record, ivf.params()).orElse(null);
        }
        fresh.beginBulkLoad();
        chunkIdsByDocument.forEach((documentId, chunkIds) -> chunkIds.forEach(chunkId -> {
            float[] vector = vectors.apply(documentId, chunkId);
            if (vector != null && vector.length == record.dimension()) {
                fresh.put(fields.refOf(documentId, chunkId), vector);
            }
        }));
        if (!loading) {
            fresh.endBulkLoad(false);
            if (train && fresh instanceof IvfIndex<ChunkRef> ivf && ivf.size() > 0 && !ivf.isTrained()) {
                // Whatever its size: asked for. Beside the writer when the index trains there.
                ivf.requestTraining();
                ivf.trainIfDue();
            }
            keepTrainingIfNew(record, fresh);
        }
        if (rebuilding != null) {
            rebuilding.discard(); // superseded by this one
            rebuilding = null;
        }
        if (!loading && index != null && fresh.willTrain()) {
            rebuilding = fresh;
            rebuildingFor = record.indexJson();
            account();
            return;
        }
        swapIn(fresh);
    }

    private void swapIn(final VectorIndex<ChunkRef> fresh) {
        VectorIndex<ChunkRef> replaced = index;
        index = fresh;
        if (replaced != null && replaced != fresh) {
            replaced.discard(); // a training it ran beside the writer is of no use now
        }
        account();
    }

    /**
     * Swaps the rebuilt index in once its training beside the writer is installed (or has ended
     * without one: it then searches exactly, as an untrained index does). Writer thread only.
     */
    private void swapInRebuiltIfReady() {
        if (rebuilding != null && !rebuilding.willTrain()) {
            VectorIndex<ChunkRef> rebuilt = rebuilding;
            rebuilding = null;
            swapIn(rebuilt);
            keptTrainings = 0; // what was kept meanwhile was the old index's
            keepTrainingIfNew(library, rebuilt);
        }
    }

    /**
     * The index, or an exact one when what it allocates up front would pass the instance's memory
     * budget: the library stays searchable, and no library record can exhaust the heap. (A
     * library record reaches every shard; refusing it in some shards and not others would split
     * the library, where searching it exactly in some is only slower.)
     */
    private VectorIndex<ChunkRef> withinBudget(final VectorIndex<ChunkRef> fresh, final LibraryRecord record) {
        long before = index == null ? 0 : index.fixedBytes();
        if (fresh.fixedBytes() > before) {
            try {
                // Counted now, not when the index is installed: another shard's check meanwhile sees it.
                IndexMemory.reserve(libraryId, fresh.fixedBytes() - before);
                accountedBytes += fresh.fixedBytes() - before;
            } catch (IndexMemory.OverBudget e) {
                LOG.warn("library '{}': its {} index would pass the memory budget ({}); this shard searches it "
                        + "exactly instead", libraryId, fresh.kind(), e.getMessage());
                return IndexFactory.create("flat", record.dimension(), record.metric(),
                        Map.of());
            }
        }
        return fresh;
    }

    /** Keeps the IVF index's training beside the shard file when it has (re)trained since last kept. */
    private void keepTrainingIfNew(final LibraryRecord record, final VectorIndex<ChunkRef> current) {
        if (current instanceof IvfIndex<ChunkRef> ivf && ivf.trainings() != keptTrainings && record != null) {
            IvfIndex.Training training = ivf.training();
            if (training != null) {
                trainings.write(record, ivf.params(), training);
            }
            keptTrainings = ivf.trainings();
        }
    }

    /**
     * Puts the vectors of a reopened IVF index in the lists of the centroids kept before the open:
     * one assignment pass instead of a training, and the same answers as before. Writer thread only.
     */
    private void adoptKeptTraining(final VectorIndex<ChunkRef> current) {
        IvfIndex.Training kept = keptTraining;
        keptTraining = null;
        if (current instanceof IvfIndex<ChunkRef> ivf && ivf.adoptTraining(kept)) {
            keptTrainings = ivf.trainings();
        }
    }

    /** Starts loading the shard from its stored records (see {@link VectorIndex#beginBulkLoad}). */
    void beginLoading() {
        loading = true;
        VectorIndex<ChunkRef> current = index;
        if (current != null) {
            current.beginBulkLoad();
        }
    }

    /**
     * Ends loading. An index whose size calls for training trains at the next {@link #trainIfDue}
     * (or write), not now: a shard being opened answers (exactly) first.
     */
    void endLoading() {
        loading = false;
        VectorIndex<ChunkRef> current = index;
        if (current != null) {
            current.endBulkLoad(true);
            // A kept training reproduces the index as it was, requested trainings included.
            if (trainRequested && keptTraining == null) {
                current.requestTraining();
            }
        }
        trainRequested = false;
    }

    /** See {@link #trainRequested}. */
    void trainAfterLoading() {
        trainRequested = true;
    }

    boolean trainIfDue() {
        if (rebuilding != null) {
            rebuilding.trainIfDue(); // installs its training once done
            swapInRebuiltIfReady();
            return true;
        }
        VectorIndex<ChunkRef> current = index;
        if (current == null) {
            return false;
        }
        if (keptTraining != null) {
            adoptKeptTraining(current);
            return true;
        }
        boolean trained = current.trainIfDue();
        keepTrainingIfNew(library, current);
        return trained;
    }

    /**
     * Whether the index is training beside the writer, or must start a training that found no room
     * (another index held the process's training place): the writer must come back, also when no
     * more writes come, to start or install it.
     */
    boolean hasTrainingToFinish() {
        return rebuilding != null || index instanceof IvfIndex<ChunkRef> ivf && ivf.willTrain();
    }

    VectorIndex<ChunkRef> index() {
        return index;
    }

    /** The index's report; {@code training} also while a rebuilt index trains to replace it. */
    IndexStats indexStats() {
        IndexStats stats = index.stats();
        return rebuilding == null ? stats : stats.withTraining();
    }

    ConcurrentSkipListMap<String, NavigableSet<String>> documents() {
        return chunkIdsByDocument;
    }

    void addDocument(final DocumentRecord document) {
        fields.putDocument(document.id(), document.metadataJson(), chunkIdsOf(document.id()));
    }

    void removeDocument(final String documentId) {
        NavigableSet<String> chunks = chunkIdsByDocument.remove(documentId);
        if (chunks != null) {
            documentCount.decrementAndGet();
        }
        fields.putDocument(documentId, null, chunks == null ? Set.of() : chunks);
    }

    FieldIndex fields() {
        return fields;
    }

    void addChunk(final ChunkRecord chunk) {
        String documentId = chunk.documentId();
        String chunkId = chunk.id();
        float[] vector = chunk.vector();
        chunkIdsOf(documentId).add(chunkId);
        ChunkRef ref = fields.putChunk(chunk);
        VectorIndex<ChunkRef> current = index;
        if (current != null && vector.length == current.dimension()) {
            if (keptTraining != null && !loading) {
                adoptKeptTraining(current); // before the new vector, which then goes to its nearest kept centroid
            }
            current.put(ref, vector);
            if (rebuilding == null) {
                keepTrainingIfNew(library, current); // an insert may have (re)trained it
            } else {
                rebuilding.put(ref, vector);
                swapInRebuiltIfReady();
            }
            account();
        }
    }

    void removeChunk(final String documentId, final String chunkId) {
        NavigableSet<String> chunks = chunkIdsByDocument.get(documentId);
        if (chunks != null) {
            chunks.remove(chunkId);
        }
        fields.removeChunk(new ChunkRef(documentId, chunkId));
        VectorIndex<ChunkRef> current = index;
        if (current != null) {
            current.remove(new ChunkRef(documentId, chunkId));
            if (rebuilding != null) {
                rebuilding.remove(new ChunkRef(documentId, chunkId));
            }
            account();
        }
    }

    int documentCount() {
        return documentCount.get();
    }

    int chunkCount() {
        VectorIndex<ChunkRef> current = index;
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
