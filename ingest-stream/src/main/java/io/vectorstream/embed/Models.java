package io.vectorstream.embed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding models of one process: the built model folders under an artifacts root, each
 * loaded once, on first use, and shared by the stream threads and the HTTP service. With a cache
 * directory, texts to index go through an {@link EmbeddingCache} per model.
 */
public final class Models implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Models.class);

    private final Path artifactsRoot;
    private final Path cacheDir;
    private final ModelOptions options;
    private final Map<String, Embedder> loaded = new HashMap<>();
    private boolean closed;
    /** Models whose loading failed lately: the failure, and until when (nanoTime) it is not retried. */
    private final Map<String, Failure> failed = new HashMap<>();
    private static final long RETRY_AFTER_NANOS = 30_000_000_000L;

    private record Failure(Embedder.EmbeddingException error, long until) {
    }
    private Map<String, ModelManifest> manifests;

    /**
     * @param artifactsRoot folder with one built model per sub-folder ({@code model_artifacts})
     * @param cacheDir      where embedding caches live, or {@code null} for none
     */
    public Models(final Path artifactsRoot, final Path cacheDir, final long cacheEntries) {
        this(artifactsRoot, cacheDir, ModelOptions.DEFAULT.withCacheEntries(cacheEntries));
    }

    /**
     * @param artifactsRoot folder with one built model per sub-folder ({@code model_artifacts})
     * @param cacheDir      where embedding caches live, or {@code null} for none
     * @param options       how the models run and how much their caches keep
     */
    public Models(final Path artifactsRoot, final Path cacheDir, final ModelOptions options) {
        this.artifactsRoot = artifactsRoot;
        this.cacheDir = cacheDir;
        this.options = options;
    }

    /** How these models run. */
    public ModelOptions options() {
        return options;
    }

    /** No models: libraries must bring their own vectors. */
    public static Models none() {
        return new Models(null, null, 0);
    }

    /** The manifests of the models built under the artifacts root, by id (read once). */
    public synchronized Map<String, ModelManifest> available() {
        if (manifests == null) {
            manifests = readManifests();
        }
        return manifests;
    }

    private Map<String, ModelManifest> readManifests() {
        Map<String, ModelManifest> manifests = new TreeMap<>();
        if (artifactsRoot == null || !Files.isDirectory(artifactsRoot)) {
            return manifests;
        }
        try (Stream<Path> dirs = Files.list(artifactsRoot)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                if (Files.isRegularFile(dir.resolve(ModelManifest.FILE))) {
                    ModelManifest manifest = ModelManifest.read(dir);
                    manifests.put(manifest.modelId(), manifest);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list models in " + artifactsRoot, e);
        }
        return Collections.unmodifiableMap(manifests);
    }

    /** The manifest of a built model. */
    public Optional<ModelManifest> manifest(final String modelId) {
        return Optional.ofNullable(available().get(modelId));
    }

    /**
     * The model of this id, loaded on first use.
     *
     * @throws UnknownModelException if no such model is built here
     */
    public synchronized Embedder embedder(final String modelId) {
        Embedder embedder = loaded.get(modelId);
        if (embedder != null) {
            return embedder;
        }
        if (closed) {
            // A batch still queued when the process stops must not load a model (and open its
            // cache) that nothing would close.
            throw new IllegalStateException("the models are closed");
        }
        ModelManifest manifest = manifest(modelId).orElseThrow(() -> new UnknownModelException(modelId,
                available().keySet()));
        Failure failure = failed.get(modelId);
        if (failure != null && System.nanoTime() < failure.until()) {
            // Every event of the library would otherwise retry a load of seconds under this lock.
            throw failure.error();
        }
        try {
            long start = System.nanoTime();
            Embedder model = DjlEmbedder.load(artifactsRoot.resolve(modelId), options);
            if (cacheDir != null) {
                try {
                    model = new CachingEmbedder(model, EmbeddingCache.open(cacheDir, manifest, options.cacheEntries()));
                } catch (IOException | RuntimeException e) {
                    model.close();
                    throw e;
                }
            }
            LOG.info("loaded model {} ({} dimensions, dense layers in {}) in {} ms", modelId, manifest.dimension(),
                    precisionOf(model).map(Precision::label).orElse("?"), (System.nanoTime() - start) / 1_000_000);
            loaded.put(modelId, model);
            failed.remove(modelId);
            return model;
        } catch (IOException | RuntimeException e) {
            Embedder.EmbeddingException error = e instanceof Embedder.EmbeddingException known ? known
                    : new Embedder.EmbeddingException("cannot load model " + modelId + ": " + e.getMessage(), e);
            failed.put(modelId, new Failure(error, System.nanoTime() + RETRY_AFTER_NANOS));
            LOG.error("cannot load model {} (retried in 30 s)", modelId, e);
            throw error;
        }
    }

    /**
     * The model of this id without its cache: for texts that are not indexed (queries and
     * {@code POST /v1/embed}), which must not crowd the cache out.
     */
    public Embedder uncached(final String modelId) {
        return withoutCache(embedder(modelId));
    }

    private static Embedder withoutCache(final Embedder embedder) {
        return embedder instanceof CachingEmbedder caching ? caching.model() : embedder;
    }

    /** The precision a loaded model runs in; empty if it is not loaded (yet). */
    public synchronized Optional<Precision> precision(final String modelId) {
        return Optional.ofNullable(loaded.get(modelId)).flatMap(Models::precisionOf);
    }

    private static Optional<Precision> precisionOf(final Embedder embedder) {
        return withoutCache(embedder) instanceof DjlEmbedder djl ? Optional.of(djl.precision()) : Optional.empty();
    }

    /** Hit and miss counts of the caches of the models loaded so far. */
    public synchronized List<CacheStats> cacheStats() {
        List<CacheStats> stats = new ArrayList<>();
        loaded.forEach((id, embedder) -> {
            if (embedder instanceof CachingEmbedder caching) {
                EmbeddingCache cache = caching.cache();
                stats.add(new CacheStats(id, cache.hits(), cache.misses(), cache.size(), cache.capacity(),
                        cache.evictions()));
            }
        });
        return stats;
    }

    /** One model's embedding cache, counted since this process started. */
    public record CacheStats(String modelId, long hits, long misses, long entries, long capacity,
                             long evictions) {
    }

    @Override
    public synchronized void close() {
        closed = true;
        loaded.values().forEach(Embedder::close);
        loaded.clear();
    }

    /** A library or request names a model that is not built in this process's artifacts folder. */
    public static final class UnknownModelException extends RuntimeException {
        public UnknownModelException(final String modelId, final Collection<String> available) {
            super("model '" + modelId + "' is not built here (available: "
                    + (available.isEmpty() ? "none; run bin/vectorstream build-model" : String.join(", ", available))
                    + ")");
        }
    }
}
