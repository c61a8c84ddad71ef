package io.vectorstream.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Answers only requests whose {@code Host} is one of the allowed names ({@code http.allowed-hosts};
 * dev: the loopback names), others with a 403. A service on loopback is still reached by any web
 * page the user opens: through DNS rebinding, a page of another site can send requests to
 * {@code 127.0.0.1} under its own host name, which this refuses. Requests of other instances
 * ({@code /internal/}) name this one by its advertised host and carry the cluster secret: they pass.
 */
public final class HostGuard implements Filter {

    private static final String INTERNAL = "/internal/";

    private final Set<String> allowed;

    /** @param allowed host names and addresses, without ports (IPv6 without brackets) */
    public HostGuard(final Set<String> allowed) {
        this.allowed = allowed.stream().map(host -> host.strip().toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public void filter(final FilterChain chain, final RoutingRequest req, final RoutingResponse res) {
        String host = hostOf(req.headers().first(HeaderNames.HOST).orElse(""));
        // Other instances name this one by its advertised host; the cluster secret guards them.
        if (allowed.contains(host) || req.path().path().startsWith(INTERNAL)) {
            chain.proceed();
            return;
        }
        Responses.error(res, new ApiException(403, "host_not_allowed", "this service answers requests for "
                + allowed.stream().sorted().toList() + " only (http.allowed-hosts), not for '" + host + "'", null));
    }

    /** The host of a {@code Host} header: without its port, an IPv6 address without its brackets. */
    static String hostOf(final String header) {
        String value = header.strip().toLowerCase(Locale.ROOT);
        if (value.startsWith("[")) {
            int end = value.indexOf(']');
            return end < 0 ? value : value.substring(1, end);
        }
        int colon = value.indexOf(':');
        return colon < 0 ? value : value.substring(0, colon);
    }
}
