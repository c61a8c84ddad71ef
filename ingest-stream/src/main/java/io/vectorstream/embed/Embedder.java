package io.vectorstream.embed;

import java.util.List;

/**
 * A sentence-embedding model: texts in, one L2-normalised vector each out. Implementations are
 * safe to call from several threads at once.
 */
public interface Embedder extends AutoCloseable {

    /** What a text is for: some models were trained with a different prefix for each. */
    enum Purpose {
        /** A search query. */
        QUERY,
        /** A text to index. */
        PASSAGE
    }

    /** The model's id ({@code all-minilm-l6-v2}): libraries name their model by it. */
    String modelId();

    /** The length of every vector. */
    int dimension();

    /**
     * Embeds every text, in order. Texts longer than the model's limit are truncated, not failed.
     *
     * @throws EmbeddingException if the model cannot run
     */
    float[][] embed(List<String> texts, Purpose purpose);

    @Override
    void close();

    /** The model failed; the text itself is not to blame. */
    final class EmbeddingException extends RuntimeException {
        public EmbeddingException(final String message, final Throwable cause) {
            super(message, cause);
        }
    }
}
