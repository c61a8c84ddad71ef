package io.vectorstream.index;

import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A search's filter given two ways: as a predicate on keys, which has the last word on every
 * result, and as the {@link Ordinal ordinals} of the keys it accepts. Passed to
 * {@link VectorIndex#search} as its {@code allow}, it lets an index start from the matches instead
 * of meeting them among everything it scans: IVF goes from each match to its list and scores the
 * matches of the lists it would probe, so a filter that keeps a tenth of a shard costs about a
 * tenth of the scoring, where scanning wider lists for the matches among them would cost all of
 * it. An index that does not use the ordinals tests keys with it like any other predicate; one that
 * meets candidates by slot tests their ordinals ({@link #acceptsOrdinal}) without reading the key
 * objects, a cache miss each.
 *
 * @param <K> the index's key
 */
public final class OrdinalFilter<K> implements Predicate<K> {

    private final Predicate<? super K> accepts;
    private final Supplier<OrdinalBatches> ordinals;
    private final IntPredicate acceptsOrdinal;

    /**
     * @param accepts  whether a key passes the filter
     * @param ordinals the ordinals of the keys {@code accepts} accepts, in any order, afresh at each call
     */
    public OrdinalFilter(final Predicate<? super K> accepts, final Supplier<OrdinalBatches> ordinals) {
        this(accepts, ordinals, null);
    }

    /**
     * @param accepts        whether a key passes the filter
     * @param ordinals       the ordinals of the keys {@code accepts} accepts, in any order, afresh at each call
     * @param acceptsOrdinal whether the key with an ordinal passes, as {@code accepts} would answer
     *                       ({@code null}: ask {@code accepts})
     */
    public OrdinalFilter(final Predicate<? super K> accepts, final Supplier<OrdinalBatches> ordinals,
                         final IntPredicate acceptsOrdinal) {
        this.accepts = accepts;
        this.ordinals = ordinals;
        this.acceptsOrdinal = acceptsOrdinal;
    }

    @Override
    public boolean test(final K key) {
        return accepts.test(key);
    }

    /** Whether this filter knows its answer from an ordinal alone ({@link #acceptsOrdinal}). */
    boolean testsOrdinals() {
        return acceptsOrdinal != null;
    }

    /** Whether the key with {@code ordinal} passes; only when {@link #testsOrdinals}. */
    boolean acceptsOrdinal(final int ordinal) {
        return acceptsOrdinal.test(ordinal);
    }

    OrdinalBatches ordinals() {
        return ordinals.get();
    }
}
