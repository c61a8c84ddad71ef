package io.vectorstream.schema;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How closeness of two vectors is measured in a library. */
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

    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static Metric fromWireName(final String name) {
        for (Metric metric : values()) {
            if (metric.wireName.equals(name)) {
                return metric;
            }
        }
        throw new IllegalArgumentException("unknown metric: " + name);
    }
}
