package io.vectorstream.index;

import java.util.Arrays;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Vectors in numbered slots: segments of {@value #SEGMENT_SLOTS} slots, each one
 * {@code float[SEGMENT_SLOTS * dimension]}, so scans walk memory linearly and there is no
 * {@code float[]} per vector; a key per slot ({@code null} when free); removed slots are reused.
 * The first segment starts at {@value #FIRST_SLOTS} slots and doubles as it fills: a library that
 * holds a few vectors in a shard takes memory for those few, not 1,024 x dimension floats (16 MiB
 * at 4,096 dimensions, in every shard, however many libraries are created).
 *
 * <p>A store made {@code withCodes} keeps each vector's 8-bit codes beside it ({@link SlotCodes}):
 * its exact searches ({@link #scanInto}, {@link #scoreOrdinalsInto}) read the codes, a quarter of
 * the bytes, and score from the floats only the few vectors the codes cannot rule out; the
 * answers are those of scoring every float, for a quarter more memory.
 *
 * <p>Not thread-safe by itself: the owning index mutates it under its write lock, and readers read
 * {@link #vectorSegment}/{@link #keySegment} under an optimistic stamp of that lock.
 */
final class SlotStore<K> {

    static final int SEGMENT_SLOTS = 1024;
    /** The first segment's size before it grows. */
    static final int FIRST_SLOTS = 16;

    private final int dimension;
    private float[][] vectors = new float[0][];
    private Object[][] keys = new Object[0][];
    private int highWater;
    private int size;
    private final KeySlotMap<K> slotOf = new KeySlotMap<>(this::keyAt);
    private int[] freeSlots = new int[16];
    /** The slot of each {@link Ordinal} key by its ordinal; -1 where none is held. */
    private int[] slotByOrdinal = new int[0];
    /**
     * The {@link Ordinal} of each slot's key, -1 where none (a free slot, a key without one): a
     * filter tests a slot by it without reading the key object ({@link #allows}).
     */
    private int[] ordinalBySlot = new int[0];
    private int freeCount;
    /** The vectors' codes, or {@code null} when the store keeps none. */
    private final SlotCodes codes;
    /** The exact searches on the codes, or {@code null} without codes. */
    private final CodedScan<K> coded;

    /** A store without codes (an index that keeps its own, like IVF's lists). */
    SlotStore(final int dimension) {
        this(dimension, false);
    }

    SlotStore(final int dimension, final boolean withCodes) {
        this.dimension = dimension;
        this.codes = withCodes ? new SlotCodes(dimension) : null;
        this.coded = withCodes ? new CodedScan<>(this, codes, dimension) : null;
    }

    /** Stores a vector under {@code key}; returns its slot, or {@code -1 - slot} when it replaced one. */
    int put(final K key, final float[] vector) {
        int existing = slotOf.get(key);
        int slot;
        if (existing >= 0) {
            slot = existing;
        } else {
            slot = freeCount > 0 ? freeSlots[--freeCount] : highWater++;
            ensureCapacity(slot);
        }
        int segment = slot / SEGMENT_SLOTS;
        int inSegment = slot % SEGMENT_SLOTS;
        System.arraycopy(vector, 0, vectors[segment], inSegment * dimension, dimension);
        if (codes != null) {
            codes.encode(segment, inSegment, vector);
        }
        keys[segment][inSegment] = key;
        if (existing < 0) {
            slotOf.put(key, slot); // after the key is in its slot: the map reads keys from there
            size++;
        }
        int ordinal = key instanceof Ordinal o ? o.ordinal() : -1;
        setOrdinalOf(slot, ordinal);
        if (ordinal >= 0) {
            if (ordinal >= slotByOrdinal.length) {
                // Copied and swapped whole: a reader under an optimistic stamp sees the old array or the new.
                int[] grown = Arrays.copyOf(slotByOrdinal, Math.max(16, Math.max(ordinal + 1,
                        slotByOrdinal.length * 2)));
                Arrays.fill(grown, slotByOrdinal.length, grown.length, -1);
                slotByOrdinal = grown;
            }
            slotByOrdinal[ordinal] = slot;
        }
        // -1 - slot, not -slot: slot 0 must be told apart too.
        return existing >= 0 ? -1 - slot : slot;
    }

    /** Frees the slot of {@code key}; returns it, or {@code -1} when the key was not stored. */
    int remove(final K key) {
        int slot = slotOf.remove(key);
        if (slot < 0) {
            return -1;
        }
        if (keyAt(slot) instanceof Ordinal o && o.ordinal() >= 0 && o.ordinal() < slotByOrdinal.length
                && slotByOrdinal[o.ordinal()] == slot) {
            slotByOrdinal[o.ordinal()] = -1;
        }
        keys[slot / SEGMENT_SLOTS][slot % SEGMENT_SLOTS] = null;
        ordinalBySlot[slot] = -1;
        if (codes != null) {
            codes.forget(slot / SEGMENT_SLOTS, slot % SEGMENT_SLOTS);
        }
        if (freeCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
        }
        freeSlots[freeCount++] = slot;
        size--;
        return slot;
    }

    int size() {
        return size;
    }

    private void setOrdinalOf(final int slot, final int ordinal) {
        if (slot >= ordinalBySlot.length) {
            // Copied and swapped whole, like slotByOrdinal.
            int[] grown = Arrays.copyOf(ordinalBySlot, Math.max(16, Math.max(slot + 1, ordinalBySlot.length * 2)));
            Arrays.fill(grown, ordinalBySlot.length, grown.length, -1);
            ordinalBySlot = grown;
        }
        ordinalBySlot[slot] = ordinal;
    }

    /**
     * The key in {@code slot} if it is live and {@code allow} accepts it ({@code null} accepts all),
     * else {@code null}. An {@link OrdinalFilter} that {@link OrdinalFilter#testsOrdinals tests
     * ordinals} is asked by the slot's ordinal, and the key is read only when it passes: a search
     * that meets many candidates it turns away reads none of their key objects, a cache miss each.
     * Under a stamp.
     */
    @SuppressWarnings("unchecked")
    Object keyIfAllowed(final int slot, final Predicate<? super K> allow) {
        if (allow instanceof OrdinalFilter<?> filter && filter.testsOrdinals()) {
            int[] ordinals = ordinalBySlot;
            int ordinal = slot < ordinals.length ? ordinals[slot] : -1;
            if (ordinal >= 0) {
                return filter.acceptsOrdinal(ordinal) ? keyAt(slot) : null;
            }
        }
        Object key = keyAt(slot);
        return key != null && (allow == null || allow.test((K) key)) ? key : null;
    }

    /** One past the highest slot ever used. */
    int highWater() {
        return highWater;
    }

    float[] vectorSegment(final int segment) {
        return vectors[segment];
    }

    Object[] keySegment(final int segment) {
        return keys[segment];
    }

    /**
     * The slot of the key with this {@link Ordinal ordinal}, or -1 when none is held. Read under
     * the owning index's stamp: the table is swapped whole when it grows.
     */
    int slotOfOrdinal(final int ordinal) {
        int[] slots = slotByOrdinal;
        return ordinal >= 0 && ordinal < slots.length ? slots[ordinal] : -1;
    }

    /**
     * The slot that holds the key with this ordinal, or -1 when none does (never held, removed, or
     * the slot's key now carries another). Under the owning index's stamp.
     */
    int liveSlotOfOrdinal(final int ordinal) {
        int slot = slotOfOrdinal(ordinal);
        if (slot < 0) {
            return -1;
        }
        int[] held = ordinalBySlot;
        return slot < held.length && held[slot] == ordinal ? slot : -1;
    }

    /** The key in a slot, or {@code null} when free. */
    Object keyAt(final int slot) {
        return keys[slot / SEGMENT_SLOTS][slot % SEGMENT_SLOTS];
    }

    /** A copy of the vector in a slot. */
    float[] vectorAt(final int slot) {
        float[] v = new float[dimension];
        System.arraycopy(vectors[slot / SEGMENT_SLOTS], (slot % SEGMENT_SLOTS) * dimension, v, 0, dimension);
        return v;
    }

    /** Slots a scan reads under one optimistic stamp (a divisor of {@link #SEGMENT_SLOTS}). */
    static final int SCAN_BLOCK_SLOTS = 256;

    /** The score under {@code metric} of {@code query} against the vector in a slot. */
    float score(final Metric metric, final float[] query, final int slot) {
        return Similarity.score(metric, query, vectors[slot / SEGMENT_SLOTS], (slot % SEGMENT_SLOTS) * dimension);
    }

    /**
     * Exact search: scores every live vector against {@code query} and offers the allowed ones to
     * {@code top}, in blocks of {@value #SCAN_BLOCK_SLOTS} slots, each read under an optimistic stamp
     * of the owning index's {@code lock} (so a concurrent write is never seen half done).
     */
    void scanInto(final StampedLock lock, final Metric metric,
                  final float[] query, final TopK<K> top, final Predicate<? super K> allow) {
        if (coded == null || !coded.scanInto(lock, metric, query, top, allow)) {
            top.clear();
            scanFloatsInto(lock, metric, query, top, allow);
        }
    }

    private void scanFloatsInto(final StampedLock lock, final Metric metric,
                                final float[] query, final TopK<K> top, final Predicate<? super K> allow) {
        float[] scores = new float[SCAN_BLOCK_SLOTS];
        Object[] found = new Object[SCAN_BLOCK_SLOTS];
        int end = Optimistic.read(lock, this::highWater);
        for (int start = 0; start < end; start += SCAN_BLOCK_SLOTS) {
            final int segment = start / SEGMENT_SLOTS;
            final int from = start % SEGMENT_SLOTS;
            final int to = from + Math.min(SCAN_BLOCK_SLOTS, end - start);
            int n = Optimistic.read(lock, () -> Optimistic.scoreSlots(metric, query, vectors[segment], keys[segment],
                    from, to, scores, found));
            for (int i = 0; i < n; i++) {
                @SuppressWarnings("unchecked") K key = (K) found[i];
                top.offer(key, scores[i], allow);
                found[i] = null;
            }
        }
    }

    /** Keys {@link #scoreKeysInto} looks up under one optimistic stamp. */
    static final int KEY_BLOCK = 64;

    /**
     * Scores exactly the stored ones of {@code keys} against {@code query} and offers them to
     * {@code top}: each key's slot is looked up and scored under one optimistic stamp of the
     * owning index's {@code lock}, {@value #KEY_BLOCK} keys at a time.
     */
    void scoreKeysInto(final StampedLock lock, final Metric metric, final float[] query,
                       final Iterable<? extends K> keys, final TopK<K> top) {
        Object[] block = new Object[KEY_BLOCK];
        float[] scores = new float[KEY_BLOCK];
        int n = 0;
        for (K key : keys) {
            block[n++] = key;
            if (n == KEY_BLOCK) {
                scoreBlock(lock, metric, query, block, n, scores, top);
                n = 0;
            }
        }
        scoreBlock(lock, metric, query, block, n, scores, top);
    }

    /**
     * As {@link #scoreKeysInto}, with the keys given by their ordinals ({@link Ordinal}): each
     * one's slot is an array read.
     *
     * @param ordinals the ordinals, afresh at each call (a second pass when the codes' pass met a
     *                 concurrent write)
     */
    void scoreOrdinalsInto(final StampedLock lock, final Metric metric, final float[] query,
                           final Supplier<OrdinalBatches> ordinals, final TopK<K> top) {
        scoreBlocksInto(lock, metric, query, () -> SlotBlocks.ofOrdinals(this, ordinals.get()), top);
    }

    /**
     * Scores exactly the vectors in {@code slots} (an index's candidates) that {@code allow}
     * accepts, asking it before a vector is read, and offers them to {@code top}; free slots are
     * skipped.
     */
    void scoreSlotsInto(final StampedLock lock, final Metric metric, final float[] query, final int[] slots,
                        final Predicate<? super K> allow, final TopK<K> top) {
        scoreBlocksInto(lock, metric, query, () -> SlotBlocks.ofSlots(this, slots, allow), top);
    }

    /**
     * Scores the slots of {@code blocks} and offers them to {@code top}. With codes, their codes are
     * scored and only the candidates the bounds leave are scored from the floats ({@link #scanInto}).
     *
     * @param blocks the slots, afresh at each call (a second pass when the codes' pass met a
     *               concurrent write)
     */
    private void scoreBlocksInto(final StampedLock lock, final Metric metric, final float[] query,
                                 final Supplier<SlotBlocks> blocks, final TopK<K> top) {
        if (coded == null || !coded.scoreBlocksInto(lock, metric, query, blocks.get(), top)) {
            top.clear();
            scoreBlockFloatsInto(lock, metric, query, blocks.get(), top);
        }
    }

    /**
     * The live slots of the ordinals {@code block[0..count)} into {@code held}, their keys into
     * {@code keys}; returns how many. Call under a stamp.
     */
    int liveSlotsOf(final int[] block, final int count, final int[] held, final Object[] keys) {
        int[] slots = slotByOrdinal;
        int live = 0;
        for (int i = 0; i < count; i++) {
            int ordinal = block[i];
            int slot = ordinal >= 0 && ordinal < slots.length ? slots[ordinal] : -1;
            Object key = slot < 0 ? null : keyAt(slot);
            if (key != null) {
                keys[live] = key;
                held[live++] = slot;
            }
        }
        return live;
    }

    @SuppressWarnings("unchecked")
    private void scoreBlockFloatsInto(final StampedLock lock, final Metric metric, final float[] query,
                                      final SlotBlocks blocks, final TopK<K> top) {
        int[] held = new int[SlotBlocks.BLOCK];
        float[] scores = new float[SlotBlocks.BLOCK];
        Object[] keys = new Object[SlotBlocks.BLOCK];
        while (blocks.advance()) {
            int found = Optimistic.read(lock, () -> {
                int live = blocks.live(held, keys);
                scoreSlots(metric, query, held, live, scores);
                return live;
            });
            for (int i = 0; i < found; i++) {
                top.offer((K) keys[i], scores[i]);
                keys[i] = null;
            }
        }
    }

    /**
     * Scores the vectors of {@code slots[0..n)} into {@code scores}, four at a time: they lie apart
     * in memory, and four read side by side overlap their cache misses.
     */
    void scoreSlots(final Metric metric, final float[] query, final int[] slots, final int n, final float[] scores) {
        float[] four = new float[4];
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            scoreFour(metric, query, slots, i, four);
            System.arraycopy(four, 0, scores, i, 4);
        }
        for (; i < n; i++) {
            scores[i] = score(metric, query, slots[i]);
        }
    }

    /** Scores the vectors of {@code slots[from .. from + 4)} into {@code out[0..3]}, side by side. */
    void scoreFour(final Metric metric, final float[] query, final int[] slots, final int from, final float[] out) {
        int s0 = slots[from];
        int s1 = slots[from + 1];
        int s2 = slots[from + 2];
        int s3 = slots[from + 3];
        Similarity.score4(metric, query, vectors[s0 / SEGMENT_SLOTS], (s0 % SEGMENT_SLOTS) * dimension,
                vectors[s1 / SEGMENT_SLOTS], (s1 % SEGMENT_SLOTS) * dimension,
                vectors[s2 / SEGMENT_SLOTS], (s2 % SEGMENT_SLOTS) * dimension,
                vectors[s3 / SEGMENT_SLOTS], (s3 % SEGMENT_SLOTS) * dimension, out);
    }

    @SuppressWarnings("unchecked")
    private void scoreBlock(final StampedLock lock, final Metric metric, final float[] query, final Object[] block,
                            final int n, final float[] scores, final TopK<K> top) {
        Optimistic.read(lock, () -> {
            for (int i = 0; i < n; i++) {
                int slot = slotOf.get(block[i]);
                scores[i] = slot < 0 ? Float.NaN : score(metric, query, slot); // NaN: not held, never kept
            }
            return n;
        });
        for (int i = 0; i < n; i++) {
            top.offer((K) block[i], scores[i]);
            block[i] = null;
        }
    }

    long memoryBytes() {
        long bytes = slotOf.memoryBytes() + (long) (slotByOrdinal.length + ordinalBySlot.length) * Integer.BYTES
                + (codes == null ? 0 : codes.memoryBytes());
        for (Object[] segment : keys) {
            bytes += (long) segment.length * (dimension * Float.BYTES + 8L);
        }
        return bytes;
    }

    /**
     * Makes room for {@code slot}: a new segment, or a first segment twice as large (copied, and
     * swapped in whole: a reader under an optimistic stamp sees the old arrays or the new ones).
     */
    private void ensureCapacity(final int slot) {
        int segment = slot / SEGMENT_SLOTS;
        int inSegment = slot % SEGMENT_SLOTS;
        if (segment < vectors.length) {
            if (inSegment >= keys[segment].length) {
                int slots = Math.min(SEGMENT_SLOTS, Math.max(inSegment + 1, keys[segment].length * 2));
                float[][] grownVectors = vectors.clone();
                Object[][] grownKeys = keys.clone();
                grownVectors[segment] = Arrays.copyOf(vectors[segment], slots * dimension);
                grownKeys[segment] = Arrays.copyOf(keys[segment], slots);
                vectors = grownVectors;
                keys = grownKeys;
                if (codes != null) {
                    codes.ensureSegment(segment, slots);
                }
            }
            return;
        }
        float[][] grownVectors = Arrays.copyOf(vectors, segment + 1);
        Object[][] grownKeys = Arrays.copyOf(keys, segment + 1);
        int slots = segment == 0 ? FIRST_SLOTS : SEGMENT_SLOTS;
        grownVectors[segment] = new float[slots * dimension];
        grownKeys[segment] = new Object[slots];
        vectors = grownVectors;
        keys = grownKeys;
        if (codes != null) {
            codes.ensureSegment(segment, slots);
        }
    }
}
