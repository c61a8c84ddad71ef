package io.vectorstream.index;

/**
 * One search result.
 *
 * @param key   what the index stores the vector under
 * @param score the caller-facing score: cosine similarity, inner product, or Euclidean distance
 */
public record Hit<K>(K key, float score) {
}
