package io.vectorstream.stream;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Vectors computed ahead, for several events at once, served to the translation of each event in
 * turn. Texts it was not given (or could not compute) go to the real models, so a failure shows
 * up on the event it belongs to, as that event's dead letter.
 */
final class PrefetchedEmbedding implements TextEmbedding {

    private final TextEmbedding models;
    private final Map<String, Map<String, float[]>> vectors = new HashMap<>();

    PrefetchedEmbedding(final TextEmbedding models) {
        this.models = models;
    }

    /**
     * Embeds the texts of each model in one call per model, on any thread (it touches nothing of
     * this object). A model that fails is left out: each of its events will meet the error itself,
     * in {@link #embed}, and be dead-lettered alone.
     */
    static Map<String, Map<String, float[]>> compute(final TextEmbedding models,
                                                     final Map<String, List<String>> textsByModel) {
        Map<String, Map<String, float[]>> vectors = new HashMap<>();
        textsByModel.forEach((modelId, texts) -> {
            List<String> distinct = texts.stream().distinct().toList();
            float[][] computed;
            try {
                computed = models.embed(modelId, distinct);
            } catch (RuntimeException e) {
                return;
            }
            Map<String, float[]> byText = new HashMap<>();
            for (int i = 0; i < distinct.size(); i++) {
                byText.put(distinct.get(i), computed[i]);
            }
            vectors.put(modelId, byText);
        });
        return vectors;
    }

    /** Serves these vectors (from {@link #compute}) until {@link #clear}. */
    void add(final Map<String, Map<String, float[]>> computed) {
        computed.forEach((modelId, byText) -> vectors.computeIfAbsent(modelId, m -> new HashMap<>()).putAll(byText));
    }

    /** The models behind this cache of vectors. */
    TextEmbedding models() {
        return models;
    }

    void clear() {
        vectors.clear();
    }

    @Override
    public int dimension(final String modelId) {
        return models.dimension(modelId);
    }

    @Override
    public float[][] embed(final String modelId, final List<String> texts) {
        Map<String, float[]> known = vectors.getOrDefault(modelId, Map.of());
        if (texts.stream().allMatch(known::containsKey)) {
            return texts.stream().map(known::get).toArray(float[][]::new);
        }
        return models.embed(modelId, texts);
    }
}
