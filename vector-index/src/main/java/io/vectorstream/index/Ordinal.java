package io.vectorstream.index;

/**
 * A key that carries a small, dense number of its own (its ordinal, unique among the keys held at
 * one time): an index keeps each such key's slot by ordinal, so that
 * {@link VectorIndex#searchAmongOrdinals} reaches a vector by an array read instead of a hash
 * lookup. A set of matches kept as ordinals (a filter's bitmap) is then scored about as fast as a
 * scan scores the same number of vectors.
 */
public interface Ordinal {

    /** The key's ordinal (>= 0), or -1 when it has none. */
    int ordinal();
}
