package io.vectorstream.stream;

import io.vectorstream.embed.Embedder;
import io.vectorstream.embed.ModelManifest;
import io.vectorstream.embed.Models;
import java.util.List;

/** What the validation stage needs of the embedding models: their dimension, and vectors for texts. */
public interface TextEmbedding {

    /**
     * The dimension of a model's vectors.
     *
     * @throws Models.UnknownModelException if the model is not built here
     */
    int dimension(String modelId);

    /**
     * Vectors of texts to index, in order.
     *
     * @throws Models.UnknownModelException if the model is not built here
     * @throws Embedder.EmbeddingException  if the model fails
     */
    float[][] embed(String modelId, List<String> texts);

    /** The models of a process. */
    static TextEmbedding of(final Models models) {
        return new TextEmbedding() {
            @Override
            public int dimension(final String modelId) {
                return models.manifest(modelId).map(ModelManifest::dimension)
                        .orElseThrow(() -> new Models.UnknownModelException(modelId, models.available().keySet()));
            }

            @Override
            public float[][] embed(final String modelId, final List<String> texts) {
                return models.embedder(modelId).embed(texts, Embedder.Purpose.PASSAGE);
            }
        };
    }
}
