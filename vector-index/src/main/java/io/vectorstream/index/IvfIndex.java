package io.vectorstream.index;

import java.util.List;
import java.util.function.Predicate;

/**
 * Inverted-file index (IVF-Flat): k-means partitions the vectors into {@code nlist} lists; a search
 * scores the query against the centroids, scans the {@code nprobe} closest lists exactly and keeps
 * the best {@code k}.
 *
 * <p>Life cycle: until it holds {@link IvfParams#trainThreshold()} vectors the index is one list,
 * searched exactly (like a growing segment). Then it trains (k-means++ seeding and Lloyd iterations
 * on a sample of {@code 32 * nlist} vectors, nlist = 4 * sqrt(n) unless set) and assigns every
 * vector to its nearest centroid. Inserts go to the nearest centroid; removals leave tombstones that
 * a list drops when a quarter of it is dead. When the index has grown to {@code retrainGrowth} times
 * its training size, when new vectors lie much farther from their centroids than the training vectors
 * did (the distribution moved), or when one list has become much larger than the average, it trains
 * again.
 *
 * <p>Memory: every float vector is stored once, in a {@link SlotStore} (fixed-size segments, no
 * per-list headroom); a list holds, per entry, the vector's slot and, with {@code sq8}, its 8-bit
 * codes and squared length. A search scans codes in the lists and reads floats from the store only
 * to re-rank its best candidates (or, without codes, to score every entry it visits).
 *
 * <p>Concurrency: as in {@link FlatIndex}, one writer and many readers; a write holds the write lock
 * for one append or tombstone, and a search reads each block of a list under an optimistic stamp.
 * Training runs on the writer's thread without any lock, on its own copy of the vectors, and the
 * new lists replace the old ones in one step under the write lock, so searches go on meanwhile
 * against the old lists.
 *
 * <p>This class is the facade: it orders the steps of a write and of a training and keeps the
 * writer-side state (the training running beside the writer, the bulk load); the rest is done by
 * single-purpose helpers: {@link IvfStorage} holds the vectors and lists and applies each change
 * under the lock, {@link IvfSearcher} searches them, {@link IvfTrainer} computes a training (run beside the
 * writer as a {@link PendingTraining}) and {@link IvfLayout} builds the lists from it,
 * {@link RetrainPolicy} decides when to train, and {@link IvfTrainingCodec} is the binary form of
 * a {@link Training}.
 */
public final class IvfIndex<K> extends BaseIndex<K> {

    /**
     * What a training produced, enough to index vectors the same way again without k-means: the
     * centroids, the quantiser (when sq8), and the size and residual the retraining policy
     * compares against. An index that {@link #adoptTraining adopts} it puts each vector in the list
     * of its nearest centroid, as the trained index did, so it answers searches as that one did.
     *
     * @param quantizerBase {@code null} without sq8
     */
    public record Training(int dimension, int nlist, float[] centroids, float[] quantizerBase, float[] quantizerStep,
                           int trainedSize, double trainedResidual) {

        public Training {
            if (nlist < 1 || centroids.length != nlist * dimension) {
                throw new IllegalArgumentException("expected " + nlist + " centroids of " + dimension + " values, got "
                        + centroids.length + " values");
            }
            if ((quantizerBase == null) != (quantizerStep == null) || quantizerBase != null
                    && (quantizerBase.length != dimension || quantizerStep.length != dimension)) {
                throw new IllegalArgumentException("the quantiser's base and step must both have " + dimension
                        + " values");
            }
        }

        /** Little-endian binary form ({@link IvfTrainingCodec}); {@link #decode} reads it back. */
        public byte[] encode() {
            return IvfTrainingCodec.encode(this);
        }

        /** Reads {@link #encode}'s form; throws IllegalArgumentException when it is not that. */
        public static Training decode(final byte[] bytes) {
            return IvfTrainingCodec.decode(bytes);
        }
    }

    private final IvfParams params;
    /** Trainings and adoptions so far: a caller that keeps {@link #training()} saves it when this moves. */
    private volatile int trainings;
    /** The vectors, the lists and the layout; changed only through it, under the write lock. */
    private final IvfStorage<K> storage;
    private final IvfSearcher<K> searcher;
    /** Reads only final state: may run beside the writer. */
    private final IvfTrainer trainer;

    // Writer-side state.
    private final RetrainPolicy policy;
    /** Between {@link #beginBulkLoad} and {@link #endBulkLoad}: inserts start no training. */
    private boolean bulkLoading;
    private volatile long lastBuildMillis;
    /** Where trainings the index starts by itself run; {@code null}: on the writer's thread. */
    private final BackgroundTraining background;
    /** A training running beside the writer, not installed yet, or {@code null}. */
    private volatile PendingTraining pendingTraining;

    /** An index that trains on the writer's thread (tests, benchmarks, anything that needs it trained at once). */
    public IvfIndex(final int dimension, final Metric metric, final IvfParams params) {
        this(dimension, metric, params, null);
    }

    /**
     * @param background where the trainings the index starts by itself (at its training threshold,
     *                   on growth or drift, after a bulk load) run, beside the writer, which goes on
     *                   inserting and searching with the lists it has until the new ones are
     *                   installed; {@code null}: on the writer's thread. {@link #train()} always runs
     *                   on the caller's.
     */
    public IvfIndex(final int dimension, final Metric metric, final IvfParams params,
                    final BackgroundTraining background) {
        super(dimension, metric);
        this.params = params;
        this.background = background;
        this.storage = new IvfStorage<>(dimension, metric, lock);
        this.searcher = new IvfSearcher<>(dimension, metric, params, lock, storage);
        this.trainer = new IvfTrainer(dimension, metric, params);
        this.policy = new RetrainPolicy(params);
    }

    @Override
    public String kind() {
        return "ivf";
    }

    /** Its parameters, defaults resolved. */
    public IvfParams params() {
        return params;
    }

    @Override
    public int size() {
        return storage.size();
    }

    /** Whether k-means has partitioned the vectors (else every search is exact). */
    @Override
    public boolean isTrained() {
        return storage.layout().trained();
    }

    /** The number of lists now. */
    public int nlist() {
        return storage.layout().nlist();
    }

    @Override
    public void put(final K key, final float[] vector) {
        checkDimension(vector);
        IvfLayout current = storage.layout();
        int list = current.trained() ? KMeans.nearest(vector, current.centroids(), current.nlist(), metric) : 0;
        byte[] code = null;
        if (current.quantizer() != null) {
            code = new byte[dimension];
            current.quantizer().encode(vector, code, 0);
        }
        float squaredNorm = Similarity.dot(vector, vector, 0);
        int slot = storage.put(current, key, vector, list, code, squaredNorm);
        if (pendingTraining != null) {
            pendingTraining.touched(slot); // read by the writer only, when it installs the training
        }
        policy.inserted(current.trained() ? Similarity.squaredDistance(vector, current.centroids(), list * dimension)
                : 0);
        if (pendingTraining != null) {
            installIfDone();
        } else if (!bulkLoading && policy.shouldTrain(current.trained(), storage.size(), current.nlist(),
                current.lists()[list].live())) {
            // A drift's new distribution was only starting to arrive: look again soon after.
            startTraining(current.trained() && policy.hasDrifted());
        }
    }

    @Override
    public boolean remove(final K key) {
        int slot = storage.remove(key);
        if (slot < 0) {
            return false;
        }
        if (pendingTraining != null) {
            pendingTraining.touched(slot);
        }
        policy.removed();
        return true;
    }

    @Override
    protected List<Hit<K>> searchPrepared(final float[] q, final int k, final SearchParams searchParams,
                                          final Predicate<? super K> allow) {
        return searcher.search(storage.layout(), q, k, searchParams, allow);
    }

    /** The nprobe used when a query does not set one. */
    public int defaultNprobe() {
        return searcher.defaultNprobe(storage.layout());
    }

    /**
     * Loading a shard's records (restart, index change) put every vector one by one: the index
     * trained at {@link IvfParams#trainThreshold()} vectors and again each time it doubled, three
     * k-means runs for 22k vectors. A bulk load trains once, at the end.
     */
    @Override
    public void beginBulkLoad() {
        bulkLoading = true;
    }

    @Override
    public void endBulkLoad(final boolean trainLater) {
        bulkLoading = false;
        policy.bulkLoadEnded(storage.layout().trained(), storage.size());
        if (!trainLater) {
            trainIfDue();
        }
    }

    /**
     * Installs a training that finished beside the writer, or starts one that is due: true while
     * either happened or one still runs (so that the writer asks again), false when there is
     * nothing to do.
     */
    @Override
    public boolean trainIfDue() {
        if (pendingTraining != null) {
            installIfDone();
            return true;
        }
        if (!policy.takeDue()) { // no longer due, also when a training finds nothing left to train on
            return false;
        }
        startTraining(false);
        return true;
    }

    /** Whether a training runs beside the writer, not yet installed. */
    public boolean isTraining() {
        return pendingTraining != null;
    }

    /** Whether a training runs beside the writer or waits for room to start: the writer will install one. */
    @Override
    public boolean willTrain() {
        return pendingTraining != null || policy.isDue();
    }

    /**
     * Trains now on the writer's thread without a background pool, or starts the training beside
     * it on a snapshot of the vectors (the writer installs it when done, in {@link #put} or
     * {@link #trainIfDue}); when the pool is busy, the training stays due.
     */
    private void startTraining(final boolean afterDrift) {
        if (background == null) {
            train();
            policy.followUp(afterDrift);
            return;
        }
        BackgroundTraining.Slot slot = background.tryTake();
        if (slot == null) {
            policy.postponed(); // no room now: asked again at the writer's next call, before any copy
            return;
        }
        LiveVectors snapshot = LiveVectors.of(storage.store()); // on the writer's thread, the store's only mutator
        if (snapshot.vectors().length == 0) {
            slot.giveBack();
            return;
        }
        pendingTraining = PendingTraining.start(slot, snapshot, trainer, afterDrift);
    }

    /**
     * Stops a training running beside the writer (it ends at its next k-means iteration) and
     * forgets it: the index is replaced or dropped, or trains another way.
     */
    @Override
    public void discard() {
        cancelPendingTraining();
    }

    /**
     * Installs the pending training if it is done: the snapshot's vectors in the lists it computed,
     * except those written or freed since, which go to their nearest new centroid (or nowhere) as
     * they are now. Writer thread only. A training that failed is dropped; the index keeps its lists.
     */
    private void installIfDone() {
        PendingTraining done = pendingTraining;
        if (done == null || !done.isDone()) {
            return;
        }
        pendingTraining = null;
        PendingTraining.Prepared prepared = done.prepared();
        if (prepared == null) {
            return;
        }
        IvfTrainer.Computed computed = prepared.computed();
        storage.installBuilt(prepared.built(), done.touched());
        trained(done.snapshotSize(), computed.residual(), done.startNanos());
        policy.followUp(done.afterDrift());
    }

    @Override
    public void requestTraining() {
        policy.requested(storage.size());
    }

    /** The current training, or {@code null} while the index is untrained. */
    public Training training() {
        IvfLayout current = storage.layout();
        if (!current.trained()) {
            return null;
        }
        ScalarQuantizer quantizer = current.quantizer();
        return new Training(dimension, current.nlist(), current.centroids().clone(),
                quantizer == null ? null : quantizer.base(), quantizer == null ? null : quantizer.step(),
                policy.trainedSize(), policy.trainedResidual());
    }

    /** How many times this index has trained or adopted a training: it changes whenever {@link #training()} does. */
    public int trainings() {
        return trainings;
    }

    /**
     * Takes a training made earlier (kept by its caller) instead of running k-means: every vector
     * goes to the list of its nearest centroid, as it did in the index that made the training, so
     * searches answer as they did there; later puts do the same. False, and nothing changed, for a
     * training of another dimension or quantisation. Writer thread only.
     */
    public boolean adoptTraining(final Training training) {
        if (training.dimension() != dimension || (training.quantizerBase() != null) != params.sq8()) {
            return false;
        }
        long start = System.nanoTime();
        cancelPendingTraining();
        LiveVectors live = LiveVectors.of(storage.store());
        int[] assignment = new int[live.vectors().length];
        KMeans.assign(live.vectors(), training.centroids(), training.nlist(), metric, assignment);
        storage.install(live, training.centroids().clone(), training.nlist(), assignment,
                training.quantizerBase() == null ? null
                        : ScalarQuantizer.of(training.quantizerBase(), training.quantizerStep()));
        trained(training.trainedSize(), training.trainedResidual(), start);
        policy.adopted(storage.size());
        return true;
    }

    /** Resets the retraining policy's counters after a training (or adoption) that saw {@code trainedSize} vectors. */
    private void trained(final int trainedSize, final double residual, final long startNanos) {
        policy.trained(trainedSize, residual);
        trainings++;
        lastBuildMillis = (System.nanoTime() - startNanos) / 1_000_000;
    }

    /**
     * Trains (or retrains) now, on the caller's thread, whatever the size; a training running
     * beside the writer is dropped.
     */
    public void train() {
        long start = System.nanoTime();
        cancelPendingTraining();
        LiveVectors live = LiveVectors.of(storage.store());
        if (live.vectors().length == 0) {
            return;
        }
        IvfTrainer.Computed computed = trainer.compute(live, () -> false);
        storage.install(live, computed.centroids(), computed.nlist(), computed.assignment(), computed.quantizer());
        trained(live.vectors().length, computed.residual(), start);
    }

    private void cancelPendingTraining() {
        if (pendingTraining != null) {
            pendingTraining.abandon(); // the training stops at its next iteration
            pendingTraining = null;
        }
    }

    @Override
    public IndexStats stats() {
        IvfLayout current = storage.layout();
        long bytes = current.memoryBytes() + storage.memoryBytes();
        return new IndexStats("ivf", storage.size(), current.trained(), willTrain(), current.nlist(), bytes,
                lastBuildMillis);
    }

    @Override
    protected SlotStore<K> slotStore() {
        return storage.store();
    }
}
