package io.vectorstream.embed;

import io.vectorstream.metrics.PipelineMeters;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedder that looks texts to index up in an {@link EmbeddingCache} first and runs the model
 * only on the ones it has not seen, in one call. Queries are not cached: they are seldom repeated
 * verbatim and would crowd out the texts a replay needs.
 */
public final class CachingEmbedder implements Embedder {

    private static final Logger LOG = LoggerFactory.getLogger(CachingEmbedder.class);

    private final Embedder model;
    private final EmbeddingCache cache;

    public CachingEmbedder(final Embedder model, final EmbeddingCache cache) {
        this.model = model;
        this.cache = cache;
    }

    public EmbeddingCache cache() {
        return cache;
    }

    /** The model behind the cache. */
    public Embedder model() {
        return model;
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
            vectors[i] = lookUp(texts.get(i));
            if (vectors[i] == null) {
                missing.add(i);
            }
        }
        PipelineMeters.embeddingCache(texts.size() - missing.size(), missing.size());
        if (!missing.isEmpty()) {
            float[][] computed = model.embed(missing.stream().map(texts::get).toList(), purpose);
            for (int j = 0; j < computed.length; j++) {
                int i = missing.get(j);
                vectors[i] = computed[j];
                remember(texts.get(i), computed[j]);
            }
        }
        return vectors;
    }

    /** A cache that fails is a cache miss, not a failed text: the model can still answer. */
    private float[] lookUp(final String text) {
        try {
            return cache.get(text);
        } catch (RuntimeException e) {
            LOG.warn("embedding cache lookup failed ({}); running the model", e.toString());
            return null;
        }
    }

    private void remember(final String text, final float[] vector) {
        try {
            cache.put(text, vector);
        } catch (RuntimeException e) {
            LOG.warn("embedding cache write failed ({}); the vector is used but not cached", e.toString());
        }
    }

    @Override
    public void close() {
        cache.close();
        model.close();
    }
}
