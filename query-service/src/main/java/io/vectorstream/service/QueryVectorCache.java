package io.vectorstream.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The vectors of the query texts searched last, by model: a text searched again (a user paging
 * through results, a popular question, a client retrying) skips the model, whose forward pass is
 * most of a text search's time. In memory, the least recently used out first. Texts to index have
 * their own cache on disk ({@link io.vectorstream.embed.Models}), which query texts must not
 * crowd out.
 */
final class QueryVectorCache {

    /** About 6 MiB of vectors at 384 dimensions, and at most 32 MiB of texts. */
    static final int DEFAULT_ENTRIES = 4_096;
    /**
     * Longer texts are not kept: a query is a line or two, and a text of megabytes (a body may
     * hold 16 MiB) must not make the cache hold gigabytes.
     */
    static final int MAX_TEXT_CHARS = 4_096;

    private static final Counter HITS = Counter.builder("vectorstream.query.embedding.cache.hits")
            .description("Query texts whose vector the query cache had").register(Metrics.globalRegistry);
    private static final Counter MISSES = Counter.builder("vectorstream.query.embedding.cache.misses")
            .description("Query texts the query cache did not have, sent to the model")
            .register(Metrics.globalRegistry);

    private record Key(String modelId, String text) {
    }

    private final Map<Key, float[]> vectors;

    /** @param capacity texts kept; 0 keeps none */
    QueryVectorCache(final int capacity) {
        this.vectors = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(final Map.Entry<Key, float[]> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * The vector of {@code text} by {@code modelId}: the one kept, or {@code embed}'s (kept then).
     * Two searches of a text not kept may both embed it: the model runs outside the lock.
     */
    float[] vector(final String modelId, final String text, final Supplier<float[]> embed) {
        if (text.length() > MAX_TEXT_CHARS) {
            MISSES.increment();
            return embed.get();
        }
        Key key = new Key(modelId, text);
        float[] kept;
        synchronized (vectors) {
            kept = vectors.get(key);
        }
        if (kept != null) {
            HITS.increment();
            return kept.clone(); // a search may normalise its vector in place
        }
        MISSES.increment();
        float[] vector = embed.get();
        synchronized (vectors) {
            vectors.put(key, vector.clone());
        }
        return vector;
    }
}
