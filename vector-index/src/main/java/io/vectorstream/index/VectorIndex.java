package io.vectorstream.index;

import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An index of the vectors of one library shard. One writer thread calls {@link #put} and
 * {@link #remove}; any number of threads search at the same time and never see a half-applied
 * write. Under cosine, callers put unit-length vectors; queries may have any length.
 *
 * @param <K> the key a vector is stored under
 */
public interface VectorIndex<K> {

    /** {@code flat}, {@code ivf}, {@code lsh} or {@code hnsw}. */
    String kind();

    /** Whether searches use the index's structure; an untrained IVF index searches exactly. */
    default boolean isTrained() {
        return true;
    }

    int dimension();

    Metric metric();

    /** Adds a vector, or replaces the one stored under the same key. */
    void put(K key, float[] vector);

    /** Removes the vector stored under {@code key}; returns whether there was one. */
    boolean remove(K key);

    /**
     * The {@code k} best vectors this index finds for {@code query}, best first, each with its exact
     * caller-facing score; never a removed one.
     *
     * @param params per-query tuning ({@link SearchParams#DEFAULT} for the index's defaults)
     * @param allow  only keys it accepts are returned; {@code null} accepts all
     */
    List<Hit<K>> search(float[] query, int k, SearchParams params, Predicate<? super K> allow);

    /**
     * The {@code k} best of {@code keys} for {@code query}, each scored exactly, best first; keys
     * the index does not hold are skipped. What a filter that matches few vectors searches: its
     * matches, without the index's structure, every one of them considered.
     */
    List<Hit<K>> searchAmong(float[] query, int k, Iterable<? extends K> keys);

    /**
     * As {@link #searchAmong}, with the keys given by their {@link Ordinal ordinals}: each one's
     * vector is found by an array read. Ordinals of no key held are skipped.
     *
     * @param ordinals gives the ordinals, in any order, at each call: a search may go over them
     *                 twice (when a concurrent write got in the way of its first pass)
     */
    List<Hit<K>> searchAmongOrdinals(float[] query, int k, Supplier<OrdinalBatches> ordinals);

    /**
     * Starts loading many vectors at once (an index built from a shard's stored records): any
     * training the inserts would start is held back until {@link #endBulkLoad}.
     */
    default void beginBulkLoad() {
    }

    /**
     * Ends a bulk load: trains once if the inserts since {@link #beginBulkLoad} call for it, now
     * or, with {@code trainLater}, at the next {@link #trainIfDue} or insert (searching exactly
     * until then).
     */
    default void endBulkLoad(boolean trainLater) {
    }

    /**
     * Makes training due whatever the size (an explicit index request found while loading), for
     * {@link #trainIfDue}. Writer thread only.
     */
    default void requestTraining() {
    }

    /** Trains now if a bulk load left training due; returns whether it trained. Writer thread only. */
    default boolean trainIfDue() {
        return false;
    }

    /**
     * Whether work beside the writer is due or under way that will change how the index searches
     * (an IVF training, a graph build); searches are exact until it ends.
     */
    default boolean willTrain() {
        return false;
    }

    /** Number of vectors held. */
    int size();

    /** What the index holds and how it is built, for reports. */
    IndexStats stats();

    /** The index is no longer used (replaced or dropped): work it runs beside its writer stops. */
    default void discard() {
    }

    /** Bytes the index allocates before it holds any vector (LSH's projections), for memory budgets. */
    default long fixedBytes() {
        return 0;
    }
}
