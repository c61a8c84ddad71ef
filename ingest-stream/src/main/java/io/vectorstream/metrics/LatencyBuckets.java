package io.vectorstream.metrics;

import java.time.Duration;

/**
 * The bucket bounds of every latency histogram of the service: 1 ms to 10 s, about 2.5x apart,
 * so that one PromQL {@code histogram_quantile} reads them all alike. Thirteen buckets per series,
 * where Micrometer's default percentile histogram would add about seventy.
 */
public final class LatencyBuckets {

    private LatencyBuckets() {
    }

    /** The bounds, in a new array (callers may not share one). */
    public static Duration[] bounds() {
        return new Duration[] {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10)};
    }
}
