package io.vectorstream.client;

import java.util.List;

/** The embeddings of texts, in their order, by {@code model}. */
public record Embeddings(String model, int dimension, List<float[]> embeddings) {
}
