package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.helidon.webserver.http.HttpRules;
import io.vectorstream.cluster.ClusterSecret;
import java.lang.reflect.Proxy;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI description and the routes cannot drift apart: every route a resource of the API
 * registers is described, and every description of a {@code /v1} or internal route is one a
 * resource registers (OpenApiIntegrationTest asks every described route over HTTP, the
 * observe routes included).
 */
class OpenApiRouteCoverageTest {

    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete", "head", "options");

    @Test
    void everyRouteIsDescribedAndEveryDescriptionIsARoute() {
        Set<String> routes = new TreeSet<>();
        for (ApiRouting.Mounted mounted : ApiRouting.resources(null, null, null,
                new ApiRouting.Cluster(null, ClusterSecret.none(), () -> "RUNNING"), null)) {
            mounted.service().routing(recorder(mounted.root(), routes));
        }
        Set<String> described = OpenApiDocument.OPERATIONS.stream()
                .filter(op -> op.path().startsWith("/v1/") || op.path().startsWith("/internal/"))
                .map(op -> op.method() + " " + op.path()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(routes, described);
    }

    /** Rules that note each route ({@code METHOD /root/path}) instead of serving it. */
    private static HttpRules recorder(final String root, final Set<String> routes) {
        return (HttpRules) Proxy.newProxyInstance(HttpRules.class.getClassLoader(), new Class<?>[] {HttpRules.class},
                (proxy, method, args) -> {
                    String name = method.getName();
                    if (METHODS.contains(name)) {
                        String path = args.length > 0 && args[0] instanceof String relative ? relative : "/";
                        String full = (root + path).replaceAll("/$", "");
                        routes.add(name.toUpperCase(Locale.ROOT) + " " + full);
                        return proxy;
                    }
                    throw new UnsupportedOperationException("a resource registered with " + name
                            + ": describe it here and in OpenApiDocument");
                });
    }
}
