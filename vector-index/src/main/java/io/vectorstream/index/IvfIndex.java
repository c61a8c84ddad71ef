package io.vectorstream.index;

import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.IntStream;

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
 */
public final class IvfIndex<K> extends BaseIndex<K> {

    static final int BLOCK_SLOTS = 256;

    /** Upper bound of the sq8 candidates re-ranked exactly per query. */
    private static final int MAX_CANDIDATES = 100_000;

    /**
     * Retrain when vectors inserted since training lie this much farther (mean squared distance)
     * from their centroids than the vectors held out of the k-means sample did. On noisy
     * embedding-like data a new topic raises that distance only a little, so the margin is small.
     */
    static final double DRIFT = 1.12;

    /** Default nprobe as a share of nlist: recall@10 about 0.95 on the benchmark data (docs/benchmarks.md). */
    static final double DEFAULT_PROBE_SHARE = 0.08;

    /** Centroids, lists and the quantiser (when sq8); replaced as a whole when the index is (re)trained. */
    private record Layout(float[] centroids, int nlist, PostingList[] lists, ScalarQuantizer quantizer,
                          byte[] centroidCodes, float[] centroidNorms) {
        boolean trained() {
            return centroids != null;
        }
    }

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

        private static final int FORMAT = 1;

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

        /** Little-endian binary form; {@link #decode} reads it back. */
        public byte[] encode() {
            int floats = centroids.length + (quantizerBase == null ? 0 : 2 * dimension);
            java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(4 * 5 + 8 + 4 * floats)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            out.putInt(FORMAT).putInt(dimension).putInt(nlist).putInt(quantizerBase == null ? 0 : 1)
                    .putInt(trainedSize).putDouble(trainedResidual);
            out.asFloatBuffer().put(centroids);
            out.position(out.position() + 4 * centroids.length);
            if (quantizerBase != null) {
                out.asFloatBuffer().put(quantizerBase).put(quantizerStep);
            }
            return out.array();
        }

        /** Reads {@link #encode}'s form; throws IllegalArgumentException when it is not that. */
        public static Training decode(final byte[] bytes) {
            try {
                java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                if (in.getInt() != FORMAT) {
                    throw new IllegalArgumentException("unknown training format");
                }
                int dimension = in.getInt();
                int nlist = in.getInt();
                boolean quantized = in.getInt() == 1;
                int trainedSize = in.getInt();
                double residual = in.getDouble();
                float[] centroids = floats(in, Math.multiplyExact(nlist, dimension));
                float[] base = quantized ? floats(in, dimension) : null;
                float[] step = quantized ? floats(in, dimension) : null;
                if (in.hasRemaining()) {
                    throw new IllegalArgumentException(in.remaining() + " bytes too many");
                }
                return new Training(dimension, nlist, centroids, base, step, trainedSize, residual);
            } catch (java.nio.BufferUnderflowException | ArithmeticException | NegativeArraySizeException e) {
                throw new IllegalArgumentException("truncated training: " + e, e);
            }
        }

        private static float[] floats(final java.nio.ByteBuffer in, final int count) {
            if (count < 0 || count > in.remaining() / 4) {
                throw new java.nio.BufferUnderflowException();
            }
            float[] out = new float[count];
            in.asFloatBuffer().get(out);
            in.position(in.position() + 4 * count);
            return out;
        }
    }

    private final IvfParams params;
    private volatile Layout layout;
    /** Trainings and adoptions so far: a caller that keeps {@link #training()} saves it when this moves. */
    private volatile int trainings;
    /** Every vector, once, in numbered slots; the lists refer to them by slot. */
    private final SlotStore<K> store;

    // Writer-side state.
    /** Per slot of the store: the (list, entry) that holds it, packed. */
    private long[] positions = new long[0];
    private volatile int size;
    private int trainedSize;
    /** Between {@link #beginBulkLoad} and {@link #endBulkLoad}: inserts start no training. */
    private boolean bulkLoading;
    /** A bulk load ended with training put off ({@link #trainIfDue}). */
    private boolean trainingDue;
    private int insertsSinceTraining;
    /** Mean squared distance of the training vectors to their centroids. */
    private double trainedResidual;
    /** Sum of the squared distances of the vectors inserted since, to the centroids they went to. */
    private double residualSinceTraining;
    private int removalsSinceTraining;
    /** Set after a retraining caused by drift: retrain once more after a quarter of its size in inserts. */
    private boolean followUpPending;
    private volatile long lastBuildMillis;
    /** Where trainings the index starts by itself run; {@code null}: on the writer's thread. */
    private final BackgroundTraining background;
    /** A training running beside the writer, not installed yet, or {@code null}. */
    private PendingTraining pendingTraining;
    /** Slots written or freed since the pending training's snapshot: placed again when it is installed. */
    private java.util.BitSet touchedSinceSnapshot;

    /** A training running on a copy of the vectors, and whether a drift called for it. */
    private record PendingTraining(LiveVectors snapshot, java.util.concurrent.CompletableFuture<Computed> result,
                                   java.util.concurrent.atomic.AtomicBoolean abandoned, boolean afterDrift,
                                   long startNanos) {
    }

    /** What a training computed from a snapshot; the assignment is of the snapshot's vectors, in order. */
    private record Computed(float[] centroids, int nlist, int[] assignment, ScalarQuantizer quantizer,
                            double residual) {
    }

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
        this.store = new SlotStore<>(dimension);
        this.layout = new Layout(null, 1, new PostingList[] {new PostingList(dimension, 64, false, false)}, null, null, null);
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
        return size;
    }

    /** Whether k-means has partitioned the vectors (else every search is exact). */
    @Override
    public boolean isTrained() {
        return layout.trained();
    }

    /** The number of lists now. */
    public int nlist() {
        return layout.nlist();
    }

    @Override
    public void put(final K key, final float[] vector) {
        checkDimension(vector);
        Layout current = layout;
        int list = current.trained() ? KMeans.nearest(vector, current.centroids(), current.nlist(), metric) : 0;
        byte[] code = null;
        if (current.quantizer() != null) {
            code = new byte[dimension];
            current.quantizer().encode(vector, code, 0);
        }
        float squaredNorm = Similarity.dot(vector, vector, 0);
        long stamp = lock.writeLock();
        try {
            int stored = store.put(key, vector);
            int slot;
            if (stored < 0) {
                // Replaced in place: its old entry goes, the new one points at the same slot.
                slot = -1 - stored;
                long previous = positions[slot];
                tombstone(current, previous);
                compactIfNeeded(current, listOf(previous));
            } else {
                slot = stored;
                size++;
            }
            if (touchedSinceSnapshot != null) {
                touchedSinceSnapshot.set(slot);
            }
            if (stored >= 0) {
                if (slot >= positions.length) {
                    // One store segment at a time, as the store grows: no headroom to pay for, and
                    // a copy every 1,024 new slots costs little next to indexing them.
                    positions = java.util.Arrays.copyOf(positions,
                            (slot / SlotStore.SEGMENT_SLOTS + 1) * SlotStore.SEGMENT_SLOTS);
                }
            }
            int entry = current.lists()[list].append(slot, code, squaredNorm);
            positions[slot] = pack(list, entry);
            compactIfNeeded(current, list);
        } finally {
            lock.unlockWrite(stamp);
        }
        insertsSinceTraining++;
        if (current.trained()) {
            residualSinceTraining += Similarity.squaredDistance(vector, current.centroids(), list * dimension);
        }
        if (pendingTraining != null) {
            installIfDone();
        } else if (!bulkLoading && shouldTrain(current, list)) {
            // A drift's new distribution was only starting to arrive: look again soon after.
            startTraining(current.trained() && hasDrifted());
        }
    }

    @Override
    public boolean remove(final K key) {
        long stamp = lock.writeLock();
        try {
            int slot = store.remove(key);
            if (slot < 0) {
                return false;
            }
            if (touchedSinceSnapshot != null) {
                touchedSinceSnapshot.set(slot);
            }
            long previous = positions[slot];
            tombstone(layout, previous);
            compactIfNeeded(layout, listOf(previous));
            size--;
            removalsSinceTraining++;
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    protected List<Hit<K>> searchPrepared(final float[] q, final int k, final SearchParams searchParams,
                                          final Predicate<? super K> allow) {
        Layout current = layout;
        if (searchParams.exact() || !current.trained()) {
            return searchAll(q, k, allow);
        }
        ScalarQuantizer.Query prepared = current.quantizer() != null ? current.quantizer().prepare(q, metric) : null;
        int[] probe = closestLists(q, prepared, current,
                searchParams.nprobe() > 0 ? searchParams.nprobe() : defaultNprobe(current));
        if (prepared != null) {
            return searchCodes(q, prepared, k, current, probe, allow);
        }
        TopK<K> top = new TopK<>(k + DUPLICATE_MARGIN);
        float[] scores = new float[BLOCK_SLOTS];
        Object[] keys = new Object[BLOCK_SLOTS];
        for (int list : probe) {
            PostingList postings = current.lists()[list];
            int end = Optimistic.read(lock, () -> postings.count);
            for (int start = 0; start < end; start += BLOCK_SLOTS) {
                final int from = start;
                int n = Optimistic.read(lock, () -> {
                    int to = Math.min(from + BLOCK_SLOTS, postings.count);
                    int[] slots = postings.slots;
                    int found = 0;
                    for (int entry = from; entry < to; entry++) {
                        int slot = slots[entry];
                        if (slot != PostingList.TOMBSTONE) {
                            scores[found] = store.score(metric, q, slot);
                            keys[found++] = store.keyAt(slot);
                        }
                    }
                    return found;
                });
                offerAll(top, n, scores, keys, allow);
            }
        }
        return distinct(top.drainBestFirst(metric), k);
    }

    /** Exact search: every vector of the store. */
    private List<Hit<K>> searchAll(final float[] q, final int k, final Predicate<? super K> allow) {
        TopK<K> top = new TopK<>(k + DUPLICATE_MARGIN);
        store.scanInto(lock, metric, q, top, allow);
        return distinct(top.drainBestFirst(metric), k);
    }

    private void offerAll(final TopK<K> top, final int n, final float[] scores, final Object[] keys,
                          final Predicate<? super K> allow) {
        for (int i = 0; i < n; i++) {
            @SuppressWarnings("unchecked") K key = (K) keys[i];
            if (key != null && (allow == null || allow.test(key))) {
                top.offer(key, scores[i]);
            }
            keys[i] = null;
        }
    }

    /**
     * Two phases: score the probed lists' 8-bit codes (a quarter of the memory traffic) and keep the
     * {@code k * rerank} best candidates, then score those exactly from their float vectors.
     */
    private List<Hit<K>> searchCodes(final float[] q, final ScalarQuantizer.Query prepared, final int k,
                                     final Layout current, final int[] probe, final Predicate<? super K> allow) {
        TopK<Long> candidates = new TopK<>((int) Math.min(MAX_CANDIDATES, (long) k * params.rerank()));
        float[] scores = new float[BLOCK_SLOTS];
        int[] slots = new int[BLOCK_SLOTS];
        float[] four = new float[4];
        // The list objects as this search found them: a candidate is (probe index, slot) in one of
        // these, which stays valid even if the index swaps in a compacted copy meanwhile.
        PostingList[] probed = new PostingList[probe.length];
        for (int p = 0; p < probe.length; p++) {
            int list = probe[p];
            PostingList postings = current.lists()[list];
            probed[p] = postings;
            int end = Optimistic.read(lock, () -> postings.count);
            for (int start = 0; start < end; start += BLOCK_SLOTS) {
                final int from = start;
                int n = Optimistic.read(lock, () -> {
                    int to = Math.min(from + BLOCK_SLOTS, postings.count);
                    byte[] codes = postings.codes;
                    float[] norms = postings.squaredNorms;
                    int[] entrySlots = postings.slots;
                    int found = 0;
                    int entry = from;
                    // Four entries at a time (tombstones are scored too, and dropped): the query is
                    // read once for four code vectors and four sums run side by side.
                    for (; entry + 4 <= to; entry += 4) {
                        ScalarQuantizer.score4(prepared, codes, entry * dimension, norms, entry, four);
                        for (int j = 0; j < 4; j++) {
                            if (entrySlots[entry + j] != PostingList.TOMBSTONE) {
                                scores[found] = four[j];
                                slots[found++] = entry + j;
                            }
                        }
                    }
                    for (; entry < to; entry++) {
                        if (entrySlots[entry] != PostingList.TOMBSTONE) {
                            scores[found] = ScalarQuantizer.score(prepared, codes, entry * dimension,
                                    norms == null ? 0f : norms[entry]);
                            slots[found++] = entry;
                        }
                    }
                    return found;
                });
                for (int i = 0; i < n; i++) {
                    if (scores[i] > candidates.threshold()) {
                        candidates.offer(pack(p, slots[i]), scores[i]);
                    }
                }
            }
        }
        TopK<K> top = new TopK<>(k + DUPLICATE_MARGIN);
        for (Hit<Long> candidate : candidates.drainBestFirst(Metric.DOT)) {
            long packed = candidate.key();
            PostingList postings = probed[listOf(packed)];
            int entry = slotOf(packed);
            Object[] found = new Object[1];
            float[] exactScore = new float[1];
            // The entry and the slot it points to are read under one stamp: a live entry's slot
            // holds its key's vector (an entry is tombstoned before its slot is freed or reused).
            int live = Optimistic.read(lock, () -> {
                int slot = entry < postings.count ? postings.slots[entry] : PostingList.TOMBSTONE;
                Object key = slot == PostingList.TOMBSTONE ? null : store.keyAt(slot);
                if (key == null) {
                    return 0;
                }
                found[0] = key;
                exactScore[0] = store.score(metric, q, slot);
                return 1;
            });
            @SuppressWarnings("unchecked") K key = (K) found[0];
            if (live == 1 && (allow == null || allow.test(key))) {
                top.offer(key, exactScore[0]);
            }
        }
        return distinct(top.drainBestFirst(metric), k);
    }

    /** The nprobe used when a query does not set one. */
    public int defaultNprobe() {
        return defaultNprobe(layout);
    }

    private int defaultNprobe(final Layout current) {
        return params.nprobe() > 0 ? Math.min(params.nprobe(), current.nlist())
                : Math.max(1, Math.min(current.nlist(), (int) Math.ceil(current.nlist() * DEFAULT_PROBE_SHARE)));
    }

    /**
     * The {@code nprobe} lists whose centroids are closest to the query. With codes, the centroids'
     * 8-bit codes shortlist a quarter more lists than wanted, and only those are scored exactly: the
     * coarse step then reads a quarter of the memory.
     */
    private int[] closestLists(final float[] q, final ScalarQuantizer.Query prepared, final Layout current,
                               final int nprobe) {
        int wanted = Math.min(nprobe, current.nlist());
        TopK<Integer> best = new TopK<>(wanted);
        if (prepared == null) {
            for (int c = 0; c < current.nlist(); c++) {
                float score = Similarity.score(metric, q, current.centroids(), c * dimension);
                if (score > best.threshold()) {
                    best.offer(c, score);
                }
            }
        } else {
            TopK<Integer> shortlist = new TopK<>(Math.min(current.nlist(), wanted + Math.max(8, wanted / 4)));
            float[] four = new float[4];
            int c = 0;
            for (; c + 4 <= current.nlist(); c += 4) {
                ScalarQuantizer.score4(prepared, current.centroidCodes(), c * dimension, current.centroidNorms(), c,
                        four);
                for (int j = 0; j < 4; j++) {
                    if (four[j] > shortlist.threshold()) {
                        shortlist.offer(c + j, four[j]);
                    }
                }
            }
            for (; c < current.nlist(); c++) {
                float score = ScalarQuantizer.score(prepared, current.centroidCodes(), c * dimension,
                        current.centroidNorms()[c]);
                if (score > shortlist.threshold()) {
                    shortlist.offer(c, score);
                }
            }
            for (Hit<Integer> candidate : shortlist.drainBestFirst(Metric.DOT)) {
                best.offer(candidate.key(), Similarity.score(metric, q, current.centroids(), candidate.key() * dimension));
            }
        }
        return best.drainBestFirst(metric).stream().mapToInt(Hit::key).toArray();
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
        Layout current = layout;
        trainingDue = current.trained() ? size >= params.retrainGrowth() * trainedSize
                : size >= params.trainThreshold();
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
        if (!trainingDue) {
            return false;
        }
        trainingDue = false; // also when a training finds nothing left to train on
        startTraining(false);
        return true;
    }

    /** Whether a training runs beside the writer, not yet installed. */
    public boolean isTraining() {
        return pendingTraining != null;
    }

    /** Whether a training runs beside the writer or waits for room to start: the writer will install one. */
    public boolean willTrain() {
        return pendingTraining != null || trainingDue;
    }

    /**
     * Trains now on the writer's thread without a background pool, or starts the training beside
     * it on a snapshot of the vectors (the writer installs it when done, in {@link #put} or
     * {@link #trainIfDue}); when the pool is busy, the training stays due.
     */
    private void startTraining(final boolean afterDrift) {
        if (background == null) {
            train();
            followUpPending = afterDrift;
            return;
        }
        BackgroundTraining.Slot slot = background.tryTake();
        if (slot == null) {
            trainingDue = true; // no room now: asked again at the writer's next call, before any copy
            return;
        }
        LiveVectors snapshot = liveVectors(); // on the writer's thread, the store's only mutator
        if (snapshot.vectors().length == 0) {
            slot.giveBack();
            return;
        }
        java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CompletableFuture<Computed> result = slot.run(() -> compute(snapshot, abandoned::get));
        pendingTraining = new PendingTraining(snapshot, result, abandoned, afterDrift, System.nanoTime());
        touchedSinceSnapshot = new java.util.BitSet();
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
        if (done == null || !done.result().isDone()) {
            return;
        }
        pendingTraining = null;
        java.util.BitSet touched = touchedSinceSnapshot;
        touchedSinceSnapshot = null;
        Computed computed;
        try {
            computed = done.result().join();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException failed) {
            return;
        }
        LiveVectors snapshot = done.snapshot();
        int n = snapshot.slots().length;
        int[] slots = new int[n + touched.cardinality()];
        float[][] vectors = new float[slots.length][];
        int[] assignment = new int[slots.length];
        int at = 0;
        for (int i = 0; i < n; i++) {
            if (!touched.get(snapshot.slots()[i])) {
                slots[at] = snapshot.slots()[i];
                vectors[at] = snapshot.vectors()[i];
                assignment[at++] = computed.assignment()[i];
            }
        }
        for (int slot = touched.nextSetBit(0); slot >= 0; slot = touched.nextSetBit(slot + 1)) {
            if (slot < store.highWater() && store.keyAt(slot) != null) {
                float[] vector = store.vectorAt(slot);
                slots[at] = slot;
                vectors[at] = vector;
                assignment[at++] = KMeans.nearest(vector, computed.centroids(), computed.nlist(), metric);
            }
        }
        install(new LiveVectors(java.util.Arrays.copyOf(slots, at), java.util.Arrays.copyOf(vectors, at)),
                computed.centroids(), computed.nlist(), java.util.Arrays.copyOf(assignment, at), computed.quantizer());
        trained(n, computed.residual(), done.startNanos());
        followUpPending = done.afterDrift();
    }

    @Override
    public void requestTraining() {
        trainingDue = size > 0;
    }

    /** The current training, or {@code null} while the index is untrained. */
    public Training training() {
        Layout current = layout;
        if (!current.trained()) {
            return null;
        }
        ScalarQuantizer quantizer = current.quantizer();
        return new Training(dimension, current.nlist(), current.centroids().clone(),
                quantizer == null ? null : quantizer.base(), quantizer == null ? null : quantizer.step(), trainedSize,
                trainedResidual);
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
        LiveVectors live = liveVectors();
        int[] assignment = new int[live.vectors().length];
        KMeans.assign(live.vectors(), training.centroids(), training.nlist(), metric, assignment);
        install(live, training.centroids().clone(), training.nlist(), assignment,
                training.quantizerBase() == null ? null
                        : ScalarQuantizer.of(training.quantizerBase(), training.quantizerStep()));
        trained(training.trainedSize(), training.trainedResidual(), start);
        // What the counters would say had they not started over: vectors deleted since that
        // training count as removals, and a size that calls for a new training asks for one.
        removalsSinceTraining = Math.max(0, trainedSize - size);
        trainingDue = size >= params.retrainGrowth() * trainedSize || removalsSinceTraining > trainedSize / 2;
        return true;
    }

    /** The live vectors and their slots: a snapshot, since only this (writer) thread mutates the store. */
    private record LiveVectors(int[] slots, float[][] vectors) {
    }

    private LiveVectors liveVectors() {
        int highWater = store.highWater();
        int[] slots = new int[highWater];
        float[][] vectors = new float[highWater][];
        int n = 0;
        for (int slot = 0; slot < highWater; slot++) {
            if (store.keyAt(slot) != null) {
                slots[n] = slot;
                vectors[n++] = store.vectorAt(slot);
            }
        }
        return new LiveVectors(java.util.Arrays.copyOf(slots, n), java.util.Arrays.copyOf(vectors, n));
    }

    /** Swaps in a layout of {@code nlist} lists holding every live vector in the list {@code assignment} names. */
    private void install(final LiveVectors live, final float[] centroids, final int nlist, final int[] assignment,
                         final ScalarQuantizer quantizer) {
        int[] counts = new int[nlist];
        for (int list : assignment) {
            counts[list]++;
        }
        PostingList[] lists = new PostingList[nlist];
        for (int c = 0; c < lists.length; c++) {
            lists[c] = new PostingList(dimension, counts[c] + (counts[c] >> 4) + 4, quantizer != null,
                    metric == Metric.L2);
        }
        byte[] code = new byte[dimension];
        long[] newPositions = new long[positions.length];
        float[][] all = live.vectors();
        for (int i = 0; i < all.length; i++) {
            if (quantizer != null) {
                quantizer.encode(all[i], code, 0);
            }
            int slot = live.slots()[i];
            int entry = lists[assignment[i]].append(slot, code, Similarity.dot(all[i], all[i], 0));
            newPositions[slot] = pack(assignment[i], entry);
        }
        Layout trained = layoutOf(centroids, nlist, lists, quantizer);
        long stamp = lock.writeLock();
        try {
            layout = trained;
            positions = newPositions;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Resets the retraining policy's counters after a training (or adoption) that saw {@code trainedSize} vectors. */
    private void trained(final int size, final double residual, final long startNanos) {
        trainedSize = size;
        trainedResidual = residual;
        insertsSinceTraining = 0;
        residualSinceTraining = 0;
        removalsSinceTraining = 0;
        followUpPending = false;
        trainingDue = false;
        trainings++;
        lastBuildMillis = (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** A trained layout: with a quantiser, the centroids' codes and norms for probing. */
    private Layout layoutOf(final float[] centroids, final int nlist, final PostingList[] lists,
                            final ScalarQuantizer quantizer) {
        byte[] centroidCodes = null;
        float[] centroidNorms = null;
        if (quantizer != null) {
            centroidCodes = new byte[nlist * dimension];
            centroidNorms = new float[nlist];
            for (int c = 0; c < nlist; c++) {
                float[] row = java.util.Arrays.copyOfRange(centroids, c * dimension, (c + 1) * dimension);
                quantizer.encode(row, centroidCodes, c * dimension);
                centroidNorms[c] = Similarity.dot(row, row, 0);
            }
        }
        return new Layout(centroids, nlist, lists, quantizer, centroidCodes, centroidNorms);
    }

    /**
     * Trains (or retrains) now, on the caller's thread, whatever the size; a training running
     * beside the writer is dropped.
     */
    public void train() {
        long start = System.nanoTime();
        cancelPendingTraining();
        LiveVectors live = liveVectors();
        if (live.vectors().length == 0) {
            return;
        }
        Computed computed = compute(live, () -> false);
        install(live, computed.centroids(), computed.nlist(), computed.assignment(), computed.quantizer());
        trained(live.vectors().length, computed.residual(), start);
    }

    private void cancelPendingTraining() {
        if (pendingTraining != null) {
            pendingTraining.abandoned().set(true); // the training stops at its next iteration
            pendingTraining = null;
            touchedSinceSnapshot = null;
        }
    }

    /**
     * k-means on a sample of {@code live}, the quantiser, every vector's list, and the residual
     * the retraining policy compares against. Reads nothing of the index but its final fields, so
     * it may run on any thread.
     *
     * @param abandoned whether to stop (between k-means iterations) because nobody will install it
     * @throws java.util.concurrent.CancellationException when it stopped so
     */
    private Computed compute(final LiveVectors live, final java.util.function.BooleanSupplier abandoned) {
        float[][] all = live.vectors();
        int n = all.length;
        int nlist = params.nlist() > 0 ? params.nlist() : Math.max(1, (int) Math.round(4 * Math.sqrt(n)));
        nlist = Math.min(nlist, n);
        // A tenth of the vectors always stays out of the sample: the drift baseline is measured on them.
        float[][] sample = sample(java.util.Arrays.asList(all), Math.min(n - n / 10, params.samplePerList() * nlist),
                new Random(params.seed()));
        KMeans.Centroids centroids = KMeans.train(sample, nlist, metric, params.iterations(), params.seed(),
                abandoned);
        if (abandoned.getAsBoolean()) {
            throw new java.util.concurrent.CancellationException("the index no longer needs this training");
        }
        ScalarQuantizer quantizer = params.sq8() ? ScalarQuantizer.train(sample) : null;
        int[] assignment = new int[n];
        KMeans.assign(all, centroids.data(), centroids.k(), metric, assignment);
        // The drift baseline is measured on vectors k-means did not train on: its own sample sits
        // closer to the centroids than any new vector will, and would make every insert look like
        // drift. With too few such vectors there is no reliable baseline, and drift is not judged.
        java.util.Set<float[]> trainedOn = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        trainedOn.addAll(java.util.Arrays.asList(sample));
        double residual = 0;
        int heldOut = 0;
        for (int i = 0; i < n; i++) {
            if (!trainedOn.contains(all[i])) {
                residual += Similarity.squaredDistance(all[i], centroids.data(), assignment[i] * dimension);
                heldOut++;
            }
        }
        return new Computed(centroids.data(), centroids.k(), assignment, quantizer,
                heldOut >= 100 ? residual / heldOut : Double.POSITIVE_INFINITY);
    }

    private boolean shouldTrain(final Layout current, final int list) {
        if (!current.trained()) {
            return size >= params.trainThreshold();
        }
        if (size >= params.retrainGrowth() * trainedSize) {
            return true;
        }
        if (followUpPending && insertsSinceTraining >= trainedSize / 4) {
            return true;
        }
        // The data moved away from the centroids: new vectors lie much farther from their centroid
        // than the training vectors did (new topics scatter over old lists), or one list grew far
        // past the average. Judged once enough inserts are in to tell.
        if (insertsSinceTraining < Math.max(1_000, trainedSize / 10)) {
            return false;
        }
        double average = (double) size / current.nlist();
        boolean runaway = insertsSinceTraining > trainedSize / 2 && current.lists()[list].live() > 16 * average + 64;
        return hasDrifted() || runaway;
    }

    /** New vectors lie farther from their centroids than the training vectors did, or half of those are gone. */
    private boolean hasDrifted() {
        return insertsSinceTraining >= Math.max(1_000, trainedSize / 10)
                && residualSinceTraining / insertsSinceTraining > DRIFT * trainedResidual // false when no baseline
                || removalsSinceTraining > trainedSize / 2;
    }

    private static float[][] sample(final List<float[]> vectors, final int count, final Random random) {
        int n = vectors.size();
        if (count >= n) {
            return vectors.toArray(new float[0][]);
        }
        // Partial Fisher-Yates over indices: a uniform sample without replacement.
        int[] index = IntStream.range(0, n).toArray();
        float[][] out = new float[count][];
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(n - i);
            int t = index[i];
            index[i] = index[j];
            index[j] = t;
            out[i] = vectors.get(index[i]);
        }
        return out;
    }

    private void tombstone(final Layout current, final long packed) {
        current.lists()[listOf(packed)].tombstone(slotOf(packed));
    }

    private void compactIfNeeded(final Layout current, final int list) {
        PostingList postings = current.lists()[list];
        if (postings.needsCompaction()) {
            // Called under the write lock; readers holding the old list keep a consistent one.
            current.lists()[list] = postings.compacted((slot, entry) -> positions[slot] = pack(list, entry));
        }
    }


    private static long pack(final int list, final int slot) {
        return ((long) list << 32) | (slot & 0xFFFFFFFFL);
    }

    private static int listOf(final long packed) {
        return (int) (packed >>> 32);
    }

    private static int slotOf(final long packed) {
        return (int) packed;
    }

    @Override
    public IndexStats stats() {
        Layout current = layout;
        long bytes = current.trained() ? (long) current.centroids().length * Float.BYTES : 0;
        if (current.centroidCodes() != null) {
            bytes += current.centroidCodes().length + (long) current.centroidNorms().length * Float.BYTES;
        }
        for (PostingList list : current.lists()) {
            bytes += list.memoryBytes();
        }
        bytes += store.memoryBytes() + (long) positions.length * Long.BYTES;
        return new IndexStats("ivf", size, current.trained(), current.nlist(), bytes, lastBuildMillis);
    }
}
