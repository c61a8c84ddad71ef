package io.vectorstream.embed;

import java.util.ArrayList;
import java.util.List;

/**
 * An embedder that looks texts to index up in an {@link EmbeddingCache} first and runs the model
 * only on the ones it has not seen, in one call. Queries are not cached: they are seldom repeated
 * verbatim and would crowd out the texts a replay needs.
 */
public final class CachingEmbedder implements Embedder {

    private final Embedder model;
    private final EmbeddingCache cache;

    public CachingEmbedder(final Embedder model, final EmbeddingCache cache) {
        this.model = model;
        this.cache = cache;
    }

    public EmbeddingCache cache() {
        return cache;
    }

    @Override
    public String modelId() {
        return model.modelId();
    }

    @Override
    public int dimension() {
        return model.dimension();
    }

    @Override
    public float[][] embed(final List<String> texts, final Purpose purpose) {
        if (purpose == Purpose.QUERY) {
            return model.embed(texts, purpose);
        }
        float[][] vectors = new float[texts.size()][];
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            vectors[i] = cache.get(texts.get(i));
            if (vectors[i] == null) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            float[][] computed = model.embed(missing.stream().map(texts::get).toList(), purpose);
            for (int j = 0; j < computed.length; j++) {
                int i = missing.get(j);
                vectors[i] = computed[j];
                cache.put(texts.get(i), computed[j]);
            }
        }
        return vectors;
    }

    @Override
    public void close() {
        cache.close();
        model.close();
    }
}
