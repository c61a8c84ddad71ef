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

    /** Embeds these texts of one model in one call; on failure leaves them to {@link #embed}. */
    void prefetch(final String modelId, final List<String> texts) {
        List<String> distinct = texts.stream().distinct().toList();
        float[][] computed;
        try {
            computed = models.embed(modelId, distinct);
        } catch (RuntimeException e) {
            return; // each event will meet the error itself, and be dead-lettered alone
        }
        Map<String, float[]> byText = vectors.computeIfAbsent(modelId, m -> new HashMap<>());
        for (int i = 0; i < distinct.size(); i++) {
            byText.put(distinct.get(i), computed[i]);
        }
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
