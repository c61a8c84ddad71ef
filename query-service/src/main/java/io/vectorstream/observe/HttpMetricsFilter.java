package io.vectorstream.observe;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vectorstream.metrics.LatencyBuckets;
import java.time.Duration;
import java.util.Set;

/**
 * {@code http_server_requests_seconds{method,route,status}}: every request's time, by the route
 * that served it (its pattern, {@code /v1/libraries/{lib}/search}, never the path, so that ids do
 * not become series) and status. A request no route matched counts under {@code route="unmatched"}.
 */
public final class HttpMetricsFilter implements Filter {

    private static final Set<String> STANDARD_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
            "OPTIONS", "TRACE", "CONNECT");

    private final MeterRegistry registry;

    public HttpMetricsFilter(final MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void filter(final FilterChain chain, final RoutingRequest req, final RoutingResponse res) {
        long start = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            Timer.builder("http.server.requests").description("HTTP requests by route and status")
                    .tag("method", methodLabel(req.prologue().method().text()))
                    .tag("route", req.matchingPattern().map(HttpMetricsFilter::withoutTrailingSlash)
                            .orElse("unmatched"))
                    .tag("status", Integer.toString(res.status().code()))
                    .serviceLevelObjectives(LatencyBuckets.bounds())
                    .register(registry)
                    .record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /**
     * The method as a label: the standard ones, and {@code OTHER} for any other token a client
     * sends (each would be a series of its own, kept for ever: a way to fill the heap).
     */
    static String methodLabel(final String method) {
        return STANDARD_METHODS.contains(method) ? method : "OTHER";
    }

    /** A service's root route reads {@code /v1/libraries/}: the same route as the path without the slash. */
    private static String withoutTrailingSlash(final String pattern) {
        return pattern.length() > 1 && pattern.endsWith("/") ? pattern.substring(0, pattern.length() - 1) : pattern;
    }
}
