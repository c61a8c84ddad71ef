package io.vectorstream.service;

import io.vectorstream.embed.Embedder;
import io.vectorstream.embed.ModelManifest;
import io.vectorstream.embed.Models;
import io.vectorstream.embed.Precision;
import io.vectorstream.record.LibraryRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding models as the API uses them: query texts, {@code POST /v1/embed}, model checks.
 * Forward passes run on a {@link ModelWorker}, not on the request's thread.
 */
public final class EmbeddingService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingService.class);

    private final Models models;
    private final String defaultModel;
    private final ModelWorker worker;
    private final QueryVectorCache queries = new QueryVectorCache(QueryVectorCache.DEFAULT_ENTRIES);

    /**
     * @param defaultModel the model {@code POST /v1/embed} uses when the request names none
     * @param httpThreads  PyTorch threads per operation of the service's model calls
     */
    public EmbeddingService(final Models models, final String defaultModel, final int httpThreads) {
        this.models = models;
        this.defaultModel = defaultModel;
        this.worker = new ModelWorker(httpThreads, models.options().batch());
    }

    public Map<String, ModelManifest> available() {
        return models.available();
    }

    public List<Models.CacheStats> cacheStats() {
        return models.cacheStats();
    }

    /** The precision a loaded model runs in; empty before its first use. */
    public Optional<Precision> precision(final String modelId) {
        return models.precision(modelId);
    }

    public String defaultModel() {
        return defaultModel;
    }

    /**
     * The manifest of a model built here.
     *
     * @throws Refusal an invalid request naming {@code field} when it is not
     */
    public ModelManifest requireModel(final String modelId, final String field) {
        return models.manifest(modelId).orElseThrow(() -> Refusal.badRequest(
                new Models.UnknownModelException(modelId, models.available().keySet()).getMessage(), field));
    }

    /**
     * The vector of a query text, by the library's model; the last few thousand searched are kept
     * ({@link QueryVectorCache}).
     *
     * @throws Refusal an invalid request naming {@code field} when the library has no model
     */
    public float[] embedQuery(final LibraryRecord library, final String text, final String field) {
        if (library.model() == null) {
            throw Refusal.badRequest("library '" + library.id()
                    + "' has no model to embed text with; search it with a vector", field);
        }
        if (text.isBlank()) {
            throw Refusal.badRequest("text is empty: there is nothing to embed", field);
        }
        return queries.vector(library.model(), text, () -> embed(library.model(), List.of(text),
                Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE, field)[0]);
    }

    /**
     * Vectors of texts by a model built here (for {@code POST /v1/embed}: bulk, behind searches),
     * without the embedding cache (which is for indexed texts: anything sent here must not crowd
     * them out).
     *
     * @throws Refusal an invalid request naming {@code field} for an unknown model, 500 when the model fails
     */
    public float[][] embed(final String modelId, final List<String> texts, final Embedder.Purpose purpose,
                           final String field) {
        return embed(modelId, texts, purpose, ModelWorker.Priority.BULK, field);
    }

    /**
     * @throws Refusal as {@link #embed(String, List, Embedder.Purpose, String)}; 429 when the
     *                      model has as many bulk calls as it takes, 503 when it does not answer in time
     */
    private float[][] embed(final String modelId, final List<String> texts, final Embedder.Purpose purpose,
                            final ModelWorker.Priority priority, final String field) {
        requireModel(modelId, field);
        try {
            return worker.embed(models.uncached(modelId), texts, purpose, priority);
        } catch (Embedder.EmbeddingException e) {
            // The cause (DJL's, PyTorch's) is for the log, not for the client.
            LOG.error("the embedding model {} failed", modelId, e);
            throw new Refusal(Refusal.Reason.MODEL_ERROR, "the embedding model failed to run (logged on the server)",
                    field);
        } catch (ModelWorker.Overloaded e) {
            throw new Refusal(Refusal.Reason.OVERLOADED, e.getMessage(), null);
        } catch (ModelWorker.TimedOut e) {
            throw Refusal.unavailable(e.getMessage());
        }
    }

    /** Stops the model worker; the models themselves belong to {@link Models}. */
    @Override
    public void close() {
        worker.close();
    }
}
