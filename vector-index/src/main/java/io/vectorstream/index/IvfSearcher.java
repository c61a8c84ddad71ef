package io.vectorstream.index;

import static io.vectorstream.index.BaseIndex.DUPLICATE_MARGIN;
import static io.vectorstream.index.BaseIndex.distinct;
import static io.vectorstream.index.IvfLayout.entryOf;
import static io.vectorstream.index.IvfLayout.listOf;
import static io.vectorstream.index.IvfLayout.pack;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Predicate;

/**
 * Searches an {@link IvfIndex}: exactly over the whole slot store while it is untrained (or when a
 * query asks for it); else it picks the {@code nprobe} lists whose centroids are closest and scans
 * them, their 8-bit codes first with sq8 and the best candidates exactly after. Reads the layout
 * it is handed and the slot store in blocks, each under an optimistic stamp of the index's lock
 * ({@link Optimistic}), so it never blocks the writer for more than one block.
 */
final class IvfSearcher<K> {

    /** Entries of a list read under one optimistic stamp. */
    static final int BLOCK_SLOTS = 256;

    /** Upper bound of the sq8 candidates re-ranked exactly per query. */
    private static final int MAX_CANDIDATES = 100_000;

    /** Default nprobe as a share of nlist: recall@10 about 0.95 on the benchmark data (docs/benchmarks.md). */
    static final double DEFAULT_PROBE_SHARE = 0.08;

    private final int dimension;
    private final Metric metric;
    private final IvfParams params;
    private final StampedLock lock;
    private final IvfStorage<K> storage;
    private final SlotStore<K> store;

    /** @param lock the index's lock, under which its writer changes {@code storage} */
    IvfSearcher(final int dimension, final Metric metric, final IvfParams params, final StampedLock lock,
                final IvfStorage<K> storage) {
        this.dimension = dimension;
        this.metric = metric;
        this.params = params;
        this.lock = lock;
        this.storage = storage;
        this.store = storage.store();
    }

    /** The {@code k >= 1} best for the prepared query {@code q} in {@code current}, the layout the index has now. */
    List<Hit<K>> search(final IvfLayout current, final float[] q, final int k, final SearchParams searchParams,
                        final Predicate<? super K> allow) {
        if (searchParams.exact() || !current.trained()) {
            return searchAll(q, k, allow);
        }
        ScalarQuantizer.Query prepared = current.quantizer() != null ? current.quantizer().prepare(q, metric) : null;
        int nprobe = searchParams.nprobe() > 0 ? searchParams.nprobe() : defaultNprobe(current);
        double s = searchParams.selectivity();
        int lists = (int) Math.min(current.nlist(),
                Math.ceil(nprobe / Math.pow(s, s <= MATCH_SEARCH_SHARE ? MATCH_WIDENING : SCAN_WIDENING)));
        if (allow instanceof OrdinalFilter<?> filter && searchParams.selectivity() <= MATCH_SEARCH_SHARE) {
            List<Hit<K>> found = searchMatches(current, q, prepared, k, lists, filter.ordinals(), allow);
            if (found != null) {
                return found;
            }
            return search(storage.layout(), q, k, searchParams, allow); // retrained meanwhile: again, on the new lists
        }
        int[] probe = closestLists(q, prepared, current, lists);
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
            if (key != null) {
                top.offer(key, scores[i], allow);
            }
            keys[i] = null;
        }
    }

    /**
     * Two phases: score the probed lists' 8-bit codes (a quarter of the memory traffic) and keep the
     * {@code k * rerank} best candidates, then score those exactly from their float vectors.
     */
    private List<Hit<K>> searchCodes(final float[] q, final ScalarQuantizer.Query prepared, final int k,
                                     final IvfLayout current, final int[] probe, final Predicate<? super K> allow) {
        TopK<Long> candidates = new TopK<>((int) Math.min(MAX_CANDIDATES, (long) k * params.rerank()));
        float[] scores = new float[BLOCK_SLOTS];
        int[] storeSlots = new int[BLOCK_SLOTS];
        int[] entries = new int[BLOCK_SLOTS];
        float[] four = new float[4];
        // The list objects as this search found them: a candidate is (probe index, entry) in one of
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
                                storeSlots[found] = entrySlots[entry + j];
                                entries[found++] = entry + j;
                            }
                        }
                    }
                    for (; entry < to; entry++) {
                        if (entrySlots[entry] != PostingList.TOMBSTONE) {
                            scores[found] = ScalarQuantizer.score(prepared, codes, entry * dimension,
                                    norms == null ? 0f : norms[entry]);
                            storeSlots[found] = entrySlots[entry];
                            entries[found++] = entry;
                        }
                    }
                    return found;
                });
                for (int i = 0; i < n; i++) {
                    // A filter is applied here, to the codes' candidates, and not only to the few
                    // re-ranked: else a selective filter leaves almost none of them. Only a candidate
                    // that would be kept has its key read (a read outside the stamp: a slot reused
                    // meanwhile can mislead the filter once, and the re-ranking reads it again).
                    if (scores[i] > candidates.threshold()
                            && (allow == null || accepts(allow, store.keyAt(storeSlots[i])))) {
                        candidates.offer(pack(p, entries[i]), scores[i]);
                    }
                }
            }
        }
        TopK<K> top = new TopK<>(k + DUPLICATE_MARGIN);
        for (Hit<Long> candidate : candidates.drainBestFirst(Metric.DOT)) {
            long packed = candidate.key();
            PostingList postings = probed[listOf(packed)];
            int entry = entryOf(packed);
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
            if (live == 1) {
                top.offer(key, exactScore[0], allow);
            }
        }
        return distinct(top.drainBestFirst(metric), k);
    }

    /**
     * A filter that keeps a share s of the vectors makes a search probe {@code nprobe / s^e}
     * lists, e = {@value #MATCH_WIDENING} up to {@link #MATCH_SEARCH_SHARE} (searched by matches),
     * {@value #SCAN_WIDENING} above. Its k best lie about as deep among all the vectors as an
     * unfiltered search's k / s, but deeper neighbours still sit mostly in the nearby lists. bench
     * filter, recall@10 against the exact filtered search, 204k real embeddings / 200k generated:
     * s = 0.1: e = 0.4: 0.978 / 0.939; e = 0.5: 0.983 / 0.951. s = 0.5: e = 0.4: 0.959 / 0.946;
     * e = 0.5: 0.962 / -; e = 0.75: 0.969 / 0.954; e = 1: 0.975 / - (twice the lists of 1 / s^0).
     * The generated set's unfiltered recall at the default nprobe is itself 0.953.
     */
    static final double MATCH_WIDENING = 0.5;
    /** See {@link #MATCH_WIDENING}. */
    static final double SCAN_WIDENING = 0.75;

    /**
     * The largest share of the vectors a filter given by its matches ({@link OrdinalFilter}) may keep
     * for the search to start from the matches; above it the lists are scanned and the filter
     * asked of the best candidates. At a share s a search by matches reads s x n positions and
     * scores s of the probed lists' entries, scattered; a scan reads the probed lists whole, in
     * order. bench filter, 204k real embeddings: by matches at s = 0.5, 0.44x the unfiltered
     * q/s; scanning, 0.59-0.65x.
     */
    static final double MATCH_SEARCH_SHARE = 0.3;

    /**
     * A filtered search driven by the filter's matches rather than by the lists: the {@code lists}
     * lists whose centroids' codes score best are chosen, then each match is taken to its list
     * (the position the store keeps per slot) and scored only when that list is among them, from
     * its codes, the best {@code k * rerank} re-ranked exactly. Its cost follows the matches, not
     * the lists: a filter that keeps a tenth of the shard scores a tenth of what a search of the
     * same lists would. Returns null when the index was retrained meanwhile (the positions then
     * name the new lists).
     */
    private List<Hit<K>> searchMatches(final IvfLayout current, final float[] q, final ScalarQuantizer.Query prepared,
                                       final int k, final int lists, final OrdinalBatches ordinals,
                                       final Predicate<? super K> allow) {
        boolean[] probed = probedLists(q, prepared, current, lists);
        int wanted = prepared == null ? k + DUPLICATE_MARGIN : (int) Math.min(MAX_CANDIDATES, (long) k * params.rerank());
        ScoredSlots scored = new ScoredSlots(4 * MATCH_BLOCK);
        int[] block = new int[MATCH_BLOCK];
        PostingList[] at = new PostingList[4];
        int[] entries = new int[4];
        float[] four = new float[4];
        int read;
        while ((read = ordinals.next(block)) > 0) {
            int count = read;
            scored.ensureRoom(count);
            int size = Optimistic.read(lock, () -> storage.layout() != current ? -1
                    : scoreProbedMatches(current, q, prepared, probed, block, count, scored, at, entries, four));
            if (size < 0) {
                return null;
            }
            scored.size = size;
        }
        float cut = scored.cut(wanted);
        TopK<K> top = new TopK<>(k + DUPLICATE_MARGIN);
        for (int i = 0; i < scored.size; i++) {
            if (scored.scores[i] < cut) {
                continue;
            }
            int slot = scored.slots[i];
            Object[] key = new Object[1];
            float[] exact = new float[1];
            int live = Optimistic.read(lock, () -> {
                key[0] = store.keyAt(slot);
                exact[0] = key[0] == null ? Float.NaN : store.score(metric, q, slot);
                return key[0] == null ? 0 : 1;
            });
            if (live == 1) {
                @SuppressWarnings("unchecked") K held = (K) key[0];
                top.offer(held, exact[0], allow); // the filter's own word: the slot may hold another key by now
            }
        }
        return distinct(top.drainBestFirst(metric), k);
    }

    /**
     * The {@code wanted} lists whose centroids score best, as flags by list. A search by matches
     * needs the set, not the order, and a list at the edge matters little: with codes the
     * centroids' codes alone choose them, without the exact pass over the shortlist that
     * {@link #closestLists} makes (which, at a filter's widening, would read most centroids' floats).
     */
    private boolean[] probedLists(final float[] q, final ScalarQuantizer.Query prepared, final IvfLayout current,
                                  final int wanted) {
        boolean[] probed = new boolean[current.nlist()];
        if (wanted >= current.nlist()) {
            Arrays.fill(probed, true);
        } else if (prepared == null) {
            for (int list : closestLists(q, null, current, wanted)) {
                probed[list] = true;
            }
        } else {
            float[] scores = centroidCodeScores(prepared, current);
            float cut = Selection.kthLargest(scores.clone(), scores.length, wanted);
            for (int list = 0; list < scores.length; list++) {
                probed[list] = scores[list] >= cut;
            }
        }
        return probed;
    }

    /** Every centroid's score against the query from its codes, by list. */
    private float[] centroidCodeScores(final ScalarQuantizer.Query prepared, final IvfLayout current) {
        float[] scores = new float[current.nlist()];
        float[] four = new float[4];
        int c = 0;
        for (; c + 4 <= scores.length; c += 4) {
            ScalarQuantizer.score4(prepared, current.centroidCodes(), c * dimension, current.centroidNorms(), c, four);
            System.arraycopy(four, 0, scores, c, 4);
        }
        for (; c < scores.length; c++) {
            scores[c] = ScalarQuantizer.score(prepared, current.centroidCodes(), c * dimension,
                    current.centroidNorms()[c]);
        }
        return scores;
    }

    /** Matches read under one optimistic stamp. */
    private static final int MATCH_BLOCK = 64;

    /**
     * Of the matches {@code ordinals[0..count)}, those held in a probed list: their slots and
     * scores (from the codes with sq8, else exact) appended to {@code scored} from its size on;
     * returns its size after them, which the caller sets once the stamp held. Call under a stamp.
     */
    private int scoreProbedMatches(final IvfLayout current, final float[] q, final ScalarQuantizer.Query prepared,
                                   final boolean[] probed, final int[] ordinals, final int count,
                                   final ScoredSlots scored, final PostingList[] at, final int[] entries,
                                   final float[] four) {
        PostingList[] lists = current.lists();
        int[] slots = scored.slots;
        float[] scores = scored.scores;
        int found = scored.size;
        int pending = 0;
        for (int i = 0; i < count; i++) {
            int slot = store.slotOfOrdinal(ordinals[i]); // -1 once removed
            if (slot < 0) {
                continue;
            }
            long position = storage.positionOf(slot);
            int list = listOf(position);
            if (!probed[list]) {
                continue;
            }
            slots[found] = slot;
            if (prepared == null) {
                scores[found++] = store.score(metric, q, slot);
                continue;
            }
            at[pending] = lists[list];
            entries[pending++] = entryOf(position);
            found++;
            if (pending == 4) {
                scoreFour(prepared, at, entries, four, scores, found - 4, 4);
                pending = 0;
            }
        }
        if (pending > 0) {
            for (int j = pending; j < 4; j++) { // the last one again: one pass for the rest too
                at[j] = at[pending - 1];
                entries[j] = entries[pending - 1];
            }
            scoreFour(prepared, at, entries, four, scores, found - pending, pending);
        }
        return found;
    }

    /**
     * Scores four entries' codes side by side (they lie apart, and their cache misses overlap) and
     * writes the first {@code used} scores to {@code scores} from {@code offset}.
     */
    private void scoreFour(final ScalarQuantizer.Query prepared, final PostingList[] at, final int[] entries,
                           final float[] four, final float[] scores, final int offset, final int used) {
        Similarity.dotBytes4(prepared.scaled(), at[0].codes, entries[0] * dimension, at[1].codes,
                entries[1] * dimension, at[2].codes, entries[2] * dimension, at[3].codes,
                entries[3] * dimension, four);
        for (int j = 0; j < used; j++) {
            scores[offset + j] = ScalarQuantizer.fromDot(prepared, four[j],
                    at[j].squaredNorms == null ? 0f : at[j].squaredNorms[entries[j]]);
        }
    }

    @SuppressWarnings("unchecked")
    private static <K> boolean accepts(final Predicate<? super K> allow, final Object key) {
        return key != null && allow.test((K) key);
    }

    /** The nprobe used when a query does not set one. */
    int defaultNprobe(final IvfLayout current) {
        return params.nprobe() > 0 ? Math.min(params.nprobe(), current.nlist())
                : Math.max(1, Math.min(current.nlist(), (int) Math.ceil(current.nlist() * DEFAULT_PROBE_SHARE)));
    }

    /**
     * The {@code nprobe} lists whose centroids are closest to the query. With codes, the centroids'
     * 8-bit codes shortlist a quarter more lists than wanted, and only those are scored exactly: the
     * coarse step then reads a quarter of the memory.
     */
    private int[] closestLists(final float[] q, final ScalarQuantizer.Query prepared, final IvfLayout current,
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
            float[] scores = centroidCodeScores(prepared, current);
            float cut = Selection.kthLargest(scores.clone(), scores.length,
                    Math.min(scores.length, wanted + Math.max(8, wanted / 4)));
            for (int c = 0; c < scores.length; c++) {
                if (scores[c] >= cut) {
                    best.offer(c, Similarity.score(metric, q, current.centroids(), c * dimension));
                }
            }
        }
        return best.drainBestFirst(metric).stream().mapToInt(Hit::key).toArray();
    }
}
