package io.vectorstream.index;

/**
 * How closeness of two vectors is measured in a library. The wire names are the contract's
 * ({@code schemas} maps them to JSON); this module stays free of any JSON library.
 */
public enum Metric {
    /** Cosine similarity; vectors are normalised on write, so it is an inner product. Higher is closer. */
    COSINE("cosine"),
    /** Inner product. Higher is closer. */
    DOT("dot"),
    /** Euclidean distance. Lower is closer. */
    L2("l2");

    private final String wireName;

    Metric(final String wireName) {
        this.wireName = wireName;
    }

    /** The name in events, REST bodies and responses: {@code cosine}, {@code dot} or {@code l2}. */
    public String wireName() {
        return wireName;
    }

    /**
     * The metric of a wire name.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Metric fromWireName(final String name) {
        for (Metric metric : values()) {
            if (metric.wireName.equals(name)) {
                return metric;
            }
        }
        throw new IllegalArgumentException("unknown metric: " + name);
    }
}
