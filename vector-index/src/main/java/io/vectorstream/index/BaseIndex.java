package io.vectorstream.index;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What every index has: its dimension and metric, and the {@link StampedLock} under which one
 * writer changes it while readers read optimistically (see {@link FlatIndex} for the scheme).
 */
abstract class BaseIndex<K> implements VectorIndex<K> {

    protected final int dimension;
    protected final Metric metric;
    protected final StampedLock lock = new StampedLock();

    BaseIndex(final int dimension, final Metric metric) {
        if (dimension <= 0) {
            throw new IllegalArgumentException("dimension must be positive");
        }
        this.dimension = dimension;
        this.metric = metric;
    }

    @Override
    public final int dimension() {
        return dimension;
    }

    @Override
    public final Metric metric() {
        return metric;
    }

    /** @throws IllegalArgumentException when {@code vector} has another dimension */
    protected final void checkDimension(final float[] vector) {
        if (vector.length != dimension) {
            throw new IllegalArgumentException("vector has dimension " + vector.length + ", index has " + dimension);
        }
    }

    /**
     * Checks the query, answers nothing for {@code k <= 0}, and hands the index a query of unit
     * length under cosine (stored vectors are) or as given otherwise.
     */
    @Override
    public final List<Hit<K>> search(final float[] query, final int k, final SearchParams params,
                                     final Predicate<? super K> allow) {
        checkDimension(query);
        if (k <= 0) {
            return List.of();
        }
        return searchPrepared(metric == Metric.COSINE ? Similarity.normalized(query) : query, k, params, allow);
    }

    @Override
    public final List<Hit<K>> searchAmong(final float[] query, final int k, final Iterable<? extends K> keys) {
        checkDimension(query);
        if (k <= 0) {
            return List.of();
        }
        TopK<K> top = new TopK<>(k);
        slotStore().scoreKeysInto(lock, metric, metric == Metric.COSINE ? Similarity.normalized(query) : query,
                keys, top);
        return top.drainBestFirst(metric); // each key once: no duplicates to drop
    }

    @Override
    public final List<Hit<K>> searchAmongOrdinals(final float[] query, final int k,
                                                  final Supplier<OrdinalBatches> ordinals) {
        checkDimension(query);
        if (k <= 0) {
            return List.of();
        }
        TopK<K> top = new TopK<>(k);
        slotStore().scoreOrdinalsInto(lock, metric, metric == Metric.COSINE ? Similarity.normalized(query) : query,
                ordinals, top);
        return top.drainBestFirst(metric);
    }

    /** Where the index keeps its vectors, under {@link #lock}. */
    protected abstract SlotStore<K> slotStore();

    /**
     * Extra results a search keeps so that the duplicates of {@link #distinct} can be dropped and
     * still leave {@code k}.
     */
    protected static final int DUPLICATE_MARGIN = 4;

    /**
     * A search reads the index in blocks, each under its own optimistic stamp, so a key removed
     * and put again meanwhile can be met twice: in a slot (or IVF list) read before the move and
     * in one read after it. Keeps the first (best) hit of each key, {@code k} at most.
     */
    protected static <K> List<Hit<K>> distinct(final List<Hit<K>> bestFirst, final int k) {
        Set<K> seen = new HashSet<>();
        List<Hit<K>> out = new ArrayList<>(Math.min(k, bestFirst.size()));
        for (Hit<K> hit : bestFirst) {
            if (out.size() < k && seen.add(hit.key())) {
                out.add(hit);
            }
        }
        return out;
    }

    /** {@link #search} with a checked, prepared query and {@code k >= 1}. */
    protected abstract List<Hit<K>> searchPrepared(float[] q, int k, SearchParams params, Predicate<? super K> allow);
}
