package io.vectorstream.index;

import java.util.concurrent.locks.StampedLock;
import java.util.function.Predicate;

/**
 * The exact searches of a {@link SlotStore} that keeps codes ({@link SlotCodes}): the codes are
 * scored, each with the range its exact score lies in, and only the vectors those ranges leave
 * ({@link BoundedCandidates}) are scored from their floats. Reads under optimistic stamps of the
 * owning index's lock, like the store's own scans.
 */
final class CodedScan<K> {

    private static final int SEGMENT = SlotStore.SEGMENT_SLOTS;

    private final SlotStore<K> store;
    private final SlotCodes codes;
    private final int dimension;

    CodedScan(final SlotStore<K> store, final SlotCodes codes, final int dimension) {
        this.store = store;
        this.codes = codes;
        this.dimension = dimension;
    }

    /**
     * {@link SlotStore#scanInto} on the codes: each block's code scores and bounds under one stamp,
     * then the candidates the bounds leave scored exactly. Returns false when a candidate was
     * rewritten meanwhile ({@link BoundedCandidates#rerankInto}) or the bounds rule out too little
     * ({@link BoundedCandidates#MAX_CANDIDATES}): the caller scans the floats.
     */
    boolean scanInto(final StampedLock lock, final Metric metric, final float[] query, final TopK<K> top,
                     final Predicate<? super K> allow) {
        SlotCodes.Query coded = codes.query(query, metric);
        BoundedCandidates candidates = new BoundedCandidates(top.capacity());
        float[] lowers = new float[SlotStore.SCAN_BLOCK_SLOTS];
        float[] uppers = new float[SlotStore.SCAN_BLOCK_SLOTS];
        int[] found = new int[SlotStore.SCAN_BLOCK_SLOTS];
        Object[] foundKeys = new Object[SlotStore.SCAN_BLOCK_SLOTS];
        int[] versions = new int[SlotStore.SCAN_BLOCK_SLOTS];
        float[] four = new float[4];
        int end = Optimistic.read(lock, store::highWater);
        for (int start = 0; start < end; start += SlotStore.SCAN_BLOCK_SLOTS) {
            final int segment = start / SEGMENT;
            final int from = start % SEGMENT;
            final int to = from + Math.min(SlotStore.SCAN_BLOCK_SLOTS, end - start);
            int n = Optimistic.read(lock, () -> scoreCodeRange(coded, segment, from, to, lowers, uppers, found,
                    foundKeys, versions, four));
            if (!offerCandidates(candidates, n, lowers, uppers, found, foundKeys, versions, allow)) {
                return false;
            }
        }
        return candidates.rerankInto(top, exactScorer(lock, metric, query));
    }

    /**
     * The code scores' ranges of the live slots {@code [from, to)} of a segment, four at a time,
     * with their slots and keys; returns how many.
     */
    private int scoreCodeRange(final SlotCodes.Query coded, final int segment, final int from, final int to,
                               final float[] lowers, final float[] uppers, final int[] found, final Object[] foundKeys,
                               final int[] versions, final float[] four) {
        byte[] c = codes.codeSegment(segment);
        float[] facts = codes.factSegment(segment);
        Object[] k = store.keySegment(segment);
        int[] written = codes.versionSegment(segment);
        int n = 0;
        int slot = from;
        for (; slot + 4 <= to; slot += 4) {
            int at = slot * dimension;
            Similarity.dotBytes4(coded.q(), c, at, c, at + dimension, c, at + 2 * dimension, c, at + 3 * dimension,
                    four);
            for (int j = 0; j < 4; j++) {
                if (k[slot + j] != null) {
                    range(coded, four[j], facts, slot + j, n, lowers, uppers);
                    found[n] = segment * SEGMENT + slot + j;
                    versions[n] = written[slot + j];
                    foundKeys[n++] = k[slot + j];
                }
            }
        }
        for (; slot < to; slot++) {
            if (k[slot] != null) {
                range(coded, Similarity.dotBytes(coded.q(), c, slot * dimension), facts, slot, n, lowers, uppers);
                found[n] = segment * SEGMENT + slot;
                versions[n] = written[slot];
                foundKeys[n++] = k[slot];
            }
        }
        return n;
    }

    /**
     * Writes the range of a code score, {@code [lowers[at], uppers[at]]}; an unbounded one when it
     * is not a number (a squared length past the floats' range under l2), so that the vector is
     * scored exactly rather than lost.
     */
    private static void range(final SlotCodes.Query coded, final float codeDot, final float[] facts,
                              final int inSegment, final int at, final float[] lowers, final float[] uppers) {
        float score = coded.score(codeDot, facts, inSegment);
        float bound = coded.bound(facts, inSegment);
        float lower = score - bound;
        float upper = score + bound;
        boolean known = !Float.isNaN(lower) && !Float.isNaN(upper);
        lowers[at] = known ? lower : Float.NEGATIVE_INFINITY;
        uppers[at] = known ? upper : Float.POSITIVE_INFINITY;
    }

    /**
     * Offers the allowed ones of {@code n} scored ranges whose upper end can still enter; returns
     * false when the candidates overflow ({@link BoundedCandidates#add}).
     */
    @SuppressWarnings("unchecked")
    private static <K> boolean offerCandidates(final BoundedCandidates candidates, final int n, final float[] lowers,
                                               final float[] uppers, final int[] found, final Object[] foundKeys,
                                               final int[] versions, final Predicate<? super K> allow) {
        boolean kept = true;
        for (int i = 0; i < n; i++) {
            if (kept && uppers[i] >= candidates.threshold() && (allow == null || allow.test((K) foundKeys[i]))) {
                kept = candidates.add(found[i], foundKeys[i], versions[i], lowers[i], uppers[i]);
            }
            foundKeys[i] = null;
        }
        return kept;
    }

    /**
     * Exact scores of candidates, each under one stamp; {@link BoundedCandidates#CHANGED} for a slot
     * written since the scan read it (its version moved, even when the same key object was put
     * again).
     */
    private BoundedCandidates.ExactScorer exactScorer(final StampedLock lock, final Metric metric,
                                                      final float[] query) {
        return (slot, key, version) -> Optimistic.read(lock, () -> store.keyAt(slot) == key
                && codes.version(slot / SEGMENT, slot % SEGMENT) == version
                ? Float.floatToIntBits(store.score(metric, query, slot)) : BoundedCandidates.CHANGED);
    }

    /**
     * {@link SlotStore#scoreBlocksInto} on the codes: the code scores and bounds of a block of
     * slots under one stamp, then the candidates the bounds leave scored exactly. Returns false as
     * {@link #scanInto} does.
     */
    boolean scoreBlocksInto(final StampedLock lock, final Metric metric, final float[] query,
                            final SlotBlocks blocks, final TopK<K> top) {
        SlotCodes.Query coded = codes.query(query, metric);
        BoundedCandidates candidates = new BoundedCandidates(top.capacity());
        int[] held = new int[SlotBlocks.BLOCK];
        float[] lowers = new float[SlotBlocks.BLOCK];
        float[] uppers = new float[SlotBlocks.BLOCK];
        Object[] keys = new Object[SlotBlocks.BLOCK];
        int[] versions = new int[SlotBlocks.BLOCK];
        float[] four = new float[4];
        while (blocks.advance()) {
            int found = Optimistic.read(lock, () -> {
                int live = blocks.live(held, keys);
                scoreCodesOfSlots(coded, held, live, lowers, uppers, versions, four);
                return live;
            });
            if (!offerCandidates(candidates, found, lowers, uppers, held, keys, versions, null)) {
                return false;
            }
        }
        return candidates.rerankInto(top, exactScorer(lock, metric, query));
    }

    /**
     * The code scores' ranges of the vectors in {@code slots[0..n)}, four at a time (they lie apart
     * in memory: four read side by side overlap their cache misses).
     */
    private void scoreCodesOfSlots(final SlotCodes.Query coded, final int[] slots, final int n,
                                   final float[] lowers, final float[] uppers, final int[] versions,
                                   final float[] four) {
        for (int i = 0; i < n; i++) {
            versions[i] = codes.version(slots[i] / SEGMENT, slots[i] % SEGMENT);
        }
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            int s0 = slots[i];
            int s1 = slots[i + 1];
            int s2 = slots[i + 2];
            int s3 = slots[i + 3];
            Similarity.dotBytes4(coded.q(), codes.codeSegment(s0 / SEGMENT), (s0 % SEGMENT) * dimension,
                    codes.codeSegment(s1 / SEGMENT), (s1 % SEGMENT) * dimension,
                    codes.codeSegment(s2 / SEGMENT), (s2 % SEGMENT) * dimension,
                    codes.codeSegment(s3 / SEGMENT), (s3 % SEGMENT) * dimension, four);
            for (int j = 0; j < 4; j++) {
                int slot = slots[i + j];
                range(coded, four[j], codes.factSegment(slot / SEGMENT), slot % SEGMENT,
                        i + j, lowers, uppers);
            }
        }
        for (; i < n; i++) {
            int slot = slots[i];
            range(coded, Similarity.dotBytes(coded.q(), codes.codeSegment(slot / SEGMENT),
                    (slot % SEGMENT) * dimension), codes.factSegment(slot / SEGMENT),
                    slot % SEGMENT, i, lowers, uppers);
        }
    }
}
