package io.vectorstream.client;

import java.util.Map;

/** A library's vector index: {@code flat} (exact), {@code ivf}, {@code lsh} or {@code hnsw}, with its parameters. */
public record IndexSpec(String kind, Map<String, Object> params) {

    public static IndexSpec flat() {
        return new IndexSpec("flat", null);
    }

    public static IndexSpec ivf(final Map<String, Object> params) {
        return new IndexSpec("ivf", params);
    }

    public static IndexSpec hnsw(final Map<String, Object> params) {
        return new IndexSpec("hnsw", params);
    }

    public static IndexSpec lsh(final Map<String, Object> params) {
        return new IndexSpec("lsh", params);
    }
}
