package io.vectorstream.index;

import io.vectorstream.schema.Metric;
import java.util.concurrent.locks.StampedLock;

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

    /** The query as searched: unit length under cosine (stored vectors are), as given otherwise. */
    protected final float[] prepared(final float[] query) {
        checkDimension(query);
        return metric == Metric.COSINE ? Similarity.normalized(query) : query;
    }
}
