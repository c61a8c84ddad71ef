package io.vectorstream.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Locality-sensitive hashing: L tables, each keyed by K hash values of a vector. Under cosine and
 * dot the hashes are random hyperplanes (SimHash: the side of a Gaussian projection's hyperplane,
 * one bit each), moved to pass through the mean of the first {@value #CENTRE_SAMPLE} vectors once
 * the index holds that many (all vectors hashed again then);
 * under l2 they are p-stable ({@code floor((a.v + b) / w)}). A search visits, in every table, the
 * query's bucket and the {@code probes - 1} next most likely ones (query-directed multi-probe,
 * {@link ProbeSequence}), then scores exactly the vectors found in at least {@code collisions}
 * tables and keeps the best k.
 *
 * <p>Vectors live in a {@link SlotStore}; the buckets hold slot numbers. Concurrency follows
 * {@link FlatIndex}: one writer holding the write lock per update, readers collecting candidates
 * under the read lock (a few hundred bucket lookups) and scoring them in blocks under optimistic
 * stamps. The hash functions depend only on the seed, dimension and metric, and on the first
 * {@value #CENTRE_SAMPLE} vectors in slot order, so an index rebuilt from the same vectors hashes
 * them the same way.
 */
public final class LshIndex<K> extends BaseIndex<K> {

    /**
     * Up to this share of matches a filtered search goes from the matches rather than through the
     * buckets: buckets widened by 1 / s hold ever more vectors that are no match, while the
     * matches' codes are read straight from {@link #slotCodes}, {@code tables} ints each.
     */
    static final double MATCH_SEARCH_SHARE = 0.15;
    /** Matches a search by matches scores per result: the nearest by their codes' Hamming distance. */
    static final int SKETCH_CANDIDATES_PER_RESULT = 40;

    /** The vectors whose mean the hyperplanes are moved to, once the index holds that many. */
    static final int CENTRE_SAMPLE = 1_000;

    private final LshParams params;
    private final SlotStore<K> slots;
    /** tables * bits Gaussian projection rows. */
    private final float[] projections;
    /** p-stable offsets, one per row (l2 only). */
    private final float[] offsets;
    private volatile float width;
    /**
     * Under cosine and dot, where each SimHash hyperplane cuts its projection ({@code a . mean} of
     * the first {@link #CENTRE_SAMPLE} vectors): sentence embeddings share a common direction, so
     * hyperplanes through the origin split them unevenly (a few crowded buckets); through their mean
     * they split them in halves. Zeros until then. Replaced whole.
     */
    private volatile float[] centres;
    /** The hyperplanes go through the data's mean (l2's p-stable hashes need no centre). Writer only. */
    private boolean centred;
    private final List<BucketTable> buckets = new ArrayList<>();
    /** The bucket code of each slot in each table, to take it out of its buckets again. */
    private int[] slotCodes = new int[0];
    /** Between {@link #beginBulkLoad} and {@link #endBulkLoad}: vectors are stored, not hashed. */
    private boolean bulkLoading;
    /**
     * Stored vectors are not in the buckets yet (a bulk load ended with {@code trainLater}):
     * searches are exact until {@link #trainIfDue} or the next write hashes them all.
     */
    private volatile boolean bucketsPending;

    public LshIndex(final int dimension, final Metric metric, final LshParams params) {
        super(dimension, metric);
        params.requireFits(dimension);
        this.params = params;
        this.slots = new SlotStore<>(dimension, params.sq8());
        Random random = new Random(params.seed());
        int rows = params.tables() * params.bits();
        projections = new float[rows * dimension];
        for (int i = 0; i < projections.length; i++) {
            projections[i] = (float) random.nextGaussian();
        }
        offsets = new float[rows];
        for (int i = 0; i < rows; i++) {
            offsets[i] = random.nextFloat();
        }
        width = (float) params.width();
        centres = new float[rows];
        centred = metric == Metric.L2;
        for (int t = 0; t < params.tables(); t++) {
            buckets.add(new BucketTable());
        }
    }

    @Override
    public String kind() {
        return "lsh";
    }

    @Override
    public int size() {
        return Optimistic.read(lock, slots::size);
    }

    @Override
    public void put(final K key, final float[] vector) {
        checkDimension(vector);
        if (width == 0) {
            // No width given: scale buckets to the data, from the first vector's length.
            width = (float) Math.max(1e-6, 4 * Similarity.norm(vector));
        }
        if (bulkLoading) {
            long stamp = lock.writeLock();
            try {
                slots.put(key, vector);
            } finally {
                lock.unlockWrite(stamp);
            }
            return;
        }
        trainIfDue();
        long[] codes = hash(project(vector)).codes();
        long stamp = lock.writeLock();
        try {
            int result = slots.put(key, vector);
            int slot = result >= 0 ? result : -1 - result;
            if (result < 0) {
                unbucket(slot);
            }
            ensureCodeCapacity(slot);
            for (int t = 0; t < codes.length; t++) {
                int code = bucketCode(codes[t]);
                slotCodes[slot * params.tables() + t] = code;
                buckets.get(t).add(code, slot);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (!centred && slots.size() >= CENTRE_SAMPLE) {
            placeCentres();
            hashAll(true);
        }
    }

    @Override
    public boolean remove(final K key) {
        trainIfDue();
        long stamp = lock.writeLock();
        try {
            int slot = slots.remove(key);
            if (slot < 0) {
                return false;
            }
            if (!bucketsPending) {
                unbucket(slot);
            }
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    protected List<Hit<K>> searchPrepared(final float[] q, final int k, final SearchParams searchParams,
                                          final Predicate<? super K> allow) {
        if (searchParams.exact() || bucketsPending) {
            return exact(q, k, allow);
        }
        Hashes hashes = hash(project(q));
        if (allow instanceof OrdinalFilter<?> filter && searchParams.selectivity() <= MATCH_SEARCH_SHARE
                && codesAreSketches()) {
            return rank(q, nearestMatches(hashes, filter, k * SKETCH_CANDIDATES_PER_RESULT), k, allow);
        }
        int probes = searchParams.widened(searchParams.probes() > 0 ? searchParams.probes() : params.probes(),
                LshParams.MAX_PROBES, 1); // less lost recall at s = 0.5 (0.937 with s^0.75, real embeddings)
        return rank(q, candidates(hashes, probes), k, allow);
    }

    /**
     * Whether a slot's bucket codes are its SimHash bits unchanged (cosine and dot, up to 31 bits
     * per table), so that the bits a vector and the query differ in estimate the angle between them.
     */
    private boolean codesAreSketches() {
        return metric != Metric.L2 && params.bits() <= 31;
    }

    /**
     * The live matches of {@code filter} whose codes lie nearest the query's, at least {@code wanted}
     * of them (all that lie as near as the farthest taken): the Hamming distance over every table's
     * SimHash bits estimates the angle to the query (each hyperplane separates two vectors with a
     * probability that grows with their angle), so the matches nearest by code hold the nearest by
     * score, which {@link #rank} then finds among them. Reads {@code tables} ints per match instead
     * of its vector.
     */
    private int[] nearestMatches(final Hashes hashes, final OrdinalFilter<?> filter, final int wanted) {
        int tables = params.tables();
        int[] query = new int[tables];
        for (int t = 0; t < tables; t++) {
            query[t] = bucketCode(hashes.codes()[t]);
        }
        MatchDistances found = new MatchDistances(tables * params.bits());
        OrdinalBatches ordinals = filter.ordinals();
        int[] block = new int[SlotBlocks.BLOCK];
        int[] blockSlots = new int[SlotBlocks.BLOCK];
        int[] blockDistances = new int[SlotBlocks.BLOCK];
        int read;
        while ((read = ordinals.next(block)) > 0) {
            int count = read;
            int n = Optimistic.read(lock, () -> {
                int[] codes = slotCodes;
                int live = 0;
                for (int i = 0; i < count; i++) {
                    int slot = slots.liveSlotOfOrdinal(block[i]);
                    if (slot >= 0) {
                        int distance = 0;
                        for (int t = 0, at = slot * tables; t < tables; t++, at++) {
                            distance += Integer.bitCount(codes[at] ^ query[t]);
                        }
                        blockSlots[live] = slot;
                        blockDistances[live++] = distance;
                    }
                }
                return live;
            });
            found.addAll(blockSlots, blockDistances, n);
        }
        return found.nearest(wanted);
    }

    /**
     * The slots found in the probed buckets of at least {@code collisions} tables. Counting
     * collisions is what makes many probes affordable: a near neighbour shares a bucket with the
     * query in many tables, most vectors met by a probe in only one, so requiring two cut the
     * vectors scored about fourfold at equal recall on real embeddings.
     */
    private int[] candidates(final Hashes hashes, final int probes) {
        int bits = params.bits();
        long[] codes = hashes.codes();
        List<long[]> probed = new ArrayList<>(codes.length);
        for (int t = 0; t < codes.length; t++) {
            long[] tableCodes = ProbeSequence.cheapestMasks(hashes.costs(), t * bits, bits, probes);
            for (int i = 0; i < tableCodes.length; i++) {
                tableCodes[i] = perturbed(hashes, t, tableCodes[i]);
            }
            probed.add(tableCodes);
        }
        int minimum = params.collisions();
        CollisionCounts counts = CollisionCounts.forThread();
        long stamp = lock.readLock();
        try {
            counts.start(slots.highWater(), minimum);
            for (int t = 0; t < codes.length; t++) {
                BucketTable table = buckets.get(t);
                for (long code : probed.get(t)) {
                    int[] bucket = table.get(bucketCode(code));
                    if (bucket != null) {
                        counts.count(bucket, 1, bucket[0]);
                    }
                }
            }
        } finally {
            lock.unlockRead(stamp);
        }
        return counts.candidates();
    }

    /** How many vectors a search with {@code probes} would score (for tests and diagnostics). */
    int candidateCount(final float[] query, final int probes) {
        float[] q = metric == Metric.COSINE ? Similarity.normalized(query) : query;
        return candidates(hash(project(q)), probes).length;
    }

    /**
     * The {@code k} best of {@code candidates} that {@code allow} accepts. The filter is asked before
     * a vector is read (a filtered search's predicate is a bitmap look-up, a score reads the
     * vector): at a share s of matches only about s of the candidates are scored, which is what
     * pays for the 1 / s more buckets the search visits. With codes, the candidates' codes are
     * scored and only the few their bounds leave from the floats.
     */
    private List<Hit<K>> rank(final float[] q, final int[] candidates, final int k, final Predicate<? super K> allow) {
        TopK<K> top = new TopK<>(k + DUPLICATE_MARGIN);
        slots.scoreSlotsInto(lock, metric, q, candidates, allow, top);
        return distinct(top.drainBestFirst(metric), k);
    }

    private List<Hit<K>> exact(final float[] q, final int k, final Predicate<? super K> allow) {
        TopK<K> top = new TopK<>(k + DUPLICATE_MARGIN);
        slots.scanInto(lock, metric, q, top, allow);
        return distinct(top.drainBestFirst(metric), k);
    }

    /** All tables' projections of {@code v}: rows of {@code tables * bits}. */
    private float[] project(final float[] v) {
        int rows = params.tables() * params.bits();
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = Similarity.dot(v, projections, r * dimension);
        }
        return out;
    }

    /**
     * What a vector hashes to: the code of each table; the cost of changing each hash (for SimHash
     * the projection's distance from the hyperplane, for p-stable hashes the distance to the nearer
     * bucket boundary); and under l2 the hash values and the direction of that nearer boundary, from
     * which perturbed codes are recomputed (l2 codes mix their hash values).
     */
    private record Hashes(long[] codes, float[] costs, long[] values, int[] towards) {
    }

    private Hashes hash(final float[] projected) {
        int bits = params.bits();
        int rows = projected.length;
        long[] codes = new long[params.tables()];
        float[] costs = new float[rows];
        long[] values = metric == Metric.L2 ? new long[rows] : null;
        int[] towards = metric == Metric.L2 ? new int[rows] : null;
        float[] cuts = centres;
        for (int t = 0; t < codes.length; t++) {
            long code = metric == Metric.L2 ? SEED_CODE : 0;
            for (int j = 0; j < bits; j++) {
                int r = t * bits + j;
                if (metric == Metric.L2) {
                    double scaled = projected[r] / width + offsets[r];
                    long h = (long) Math.floor(scaled);
                    double fraction = scaled - h;
                    values[r] = h;
                    towards[r] = fraction < 0.5 ? -1 : 1;
                    costs[r] = (float) Math.min(fraction, 1 - fraction);
                    code = mix(code, h);
                } else {
                    float side = projected[r] - cuts[r];
                    if (side >= 0) {
                        code |= 1L << j;
                    }
                    costs[r] = Math.abs(side);
                }
            }
            codes[t] = code;
        }
        return new Hashes(codes, costs, values, towards);
    }

    /** The code of table {@code t} with the hashes in the mask {@code positions} changed. */
    private long perturbed(final Hashes hashes, final int t, final long positions) {
        if (metric != Metric.L2) {
            return hashes.codes()[t] ^ positions;
        }
        if (positions == 0) {
            return hashes.codes()[t];
        }
        int bits = params.bits();
        long code = SEED_CODE;
        for (int j = 0; j < bits; j++) {
            int r = t * bits + j;
            long h = hashes.values()[r];
            if ((positions & 1L << j) != 0) {
                h += hashes.towards()[r];
            }
            code = mix(code, h);
        }
        return code;
    }

    private static final long SEED_CODE = 1125899906842597L;

    private static long mix(final long code, final long h) {
        long x = (code ^ h) * 0x9E3779B97F4A7C15L;
        return x ^ (x >>> 29);
    }

    /**
     * Loading a shard's records (restart, index change): hashing every vector into every table is
     * most of an LSH index's build (tables x bits projections per vector); a bulk load stores the
     * vectors and hashes them all at the end, or later ({@link #trainIfDue}), searching exactly
     * until then. Only an empty index defers anything.
     */
    @Override
    public void beginBulkLoad() {
        if (size() == 0) {
            bulkLoading = true;
            bucketsPending = true;
        }
    }

    @Override
    public void endBulkLoad(final boolean trainLater) {
        bulkLoading = false;
        if (!trainLater) {
            trainIfDue();
        }
    }

    @Override
    public boolean isTrained() {
        return !bucketsPending;
    }

    /**
     * Hashes the vectors a bulk load stored into the buckets (through the mean of the first of
     * them, when there are enough); writer thread only.
     */
    @Override
    public boolean trainIfDue() {
        if (!bucketsPending || bulkLoading) {
            return false;
        }
        if (!centred && slots.size() >= CENTRE_SAMPLE) {
            placeCentres();
        }
        hashAll(false);
        return true;
    }

    /**
     * Moves the hyperplanes to the mean of the first {@link #CENTRE_SAMPLE} vectors in slot order
     * (summed in doubles: the same vectors give the same centre in any order). Writer only.
     */
    private void placeCentres() {
        double[] sum = new double[dimension];
        int n = 0;
        for (int slot = 0; slot < slots.highWater() && n < CENTRE_SAMPLE; slot++) {
            if (slots.keyAt(slot) != null) {
                float[] v = slots.vectorAt(slot);
                for (int d = 0; d < dimension; d++) {
                    sum[d] += v[d];
                }
                n++;
            }
        }
        float[] mean = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            mean[d] = (float) (sum[d] / Math.max(1, n));
        }
        float[] placed = new float[params.tables() * params.bits()];
        for (int r = 0; r < placed.length; r++) {
            placed[r] = Similarity.dot(mean, projections, r * dimension);
        }
        centres = placed;
        centred = true;
    }

    /**
     * Hashes every stored vector into the buckets, emptied first with {@code afresh} (the
     * hyperplanes moved); searches are exact until then if the buckets were pending. Hashing reads
     * the store without the lock: only this (writer) thread changes it.
     */
    private void hashAll(final boolean afresh) {
        int tables = params.tables();
        int high = slots.highWater();
        int[] codes = new int[high * tables];
        boolean[] live = new boolean[high];
        for (int slot = 0; slot < high; slot++) {
            if (slots.keyAt(slot) != null) {
                live[slot] = true;
                long[] hashes = hash(project(slots.vectorAt(slot))).codes();
                for (int t = 0; t < tables; t++) {
                    codes[slot * tables + t] = bucketCode(hashes[t]);
                }
            }
        }
        long stamp = lock.writeLock();
        try {
            if (afresh) {
                for (int t = 0; t < tables; t++) {
                    buckets.set(t, new BucketTable());
                }
            }
            if (high > 0) {
                ensureCodeCapacity(high - 1);
            }
            for (int slot = 0; slot < high; slot++) {
                if (live[slot]) {
                    for (int t = 0; t < tables; t++) {
                        int code = codes[slot * tables + t];
                        slotCodes[slot * tables + t] = code;
                        buckets.get(t).add(code, slot);
                    }
                }
            }
            bucketsPending = false;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private void unbucket(final int slot) {
        for (int t = 0; t < params.tables(); t++) {
            buckets.get(t).remove(slotCodes[slot * params.tables() + t], slot);
        }
    }

    /**
     * The 32-bit bucket code of a hash code: SimHash codes of up to 31 bits unchanged, longer ones
     * (and l2's mixed codes) folded. Two codes folding together share a bucket, which only adds
     * candidates: they are all scored exactly.
     */
    private static int bucketCode(final long code) {
        return (int) (code ^ (code >>> 32));
    }

    private void ensureCodeCapacity(final int slot) {
        int needed = (slot + 1) * params.tables();
        if (needed > slotCodes.length) {
            slotCodes = Arrays.copyOf(slotCodes, Math.max(needed, slotCodes.length * 3 / 2));
        }
    }


    @Override
    public long fixedBytes() {
        return (long) projections.length * Float.BYTES;
    }

    @Override
    public IndexStats stats() {
        long stamp = lock.readLock();
        try {
            long bucketBytes = 0;
            for (BucketTable table : buckets) {
                bucketBytes += table.memoryBytes();
            }
            long bytes = slots.memoryBytes() + bucketBytes + slotCodes.length * (long) Integer.BYTES
                    + projections.length * 4L;
            return new IndexStats("lsh", slots.size(), !bucketsPending, bucketsPending, params.tables(), bytes, 0);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    @Override
    protected SlotStore<K> slotStore() {
        return slots;
    }
}
