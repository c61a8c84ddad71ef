package io.vectorstream.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vectorstream.security.ApiKeys.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteScopesTest {

    @ParameterizedTest
    @CsvSource({
        "GET, /v1/libraries, READ",
        "GET, /v1/libraries/lib/documents/d/chunks/c, READ",
        "GET, /v1/cluster, READ",
        "POST, /v1/libraries/lib/search, READ",
        "POST, /v1/embed, READ",
        "POST, /v1/libraries/lib/count, READ",
        "POST, /v1/libraries/lib/search/batch, READ",
        "POST, /v1/libraries/lib/documents/search/batch, WRITE",
        "POST, /v1/libraries/lib/search/other, ADMIN",
        "POST, /v1/libraries/lib/documents/count, WRITE",
        "PUT, /v1/libraries/lib/documents/d, WRITE",
        "DELETE, /v1/libraries/lib/documents/d, WRITE",
        "PUT, /v1/libraries/lib/documents/d/chunks/c, WRITE",
        "DELETE, /v1/libraries/lib/documents/d/chunks/c, WRITE",
        "POST, /v1/libraries, ADMIN",
        "PATCH, /v1/libraries/lib, ADMIN",
        "DELETE, /v1/libraries/lib, ADMIN",
        "POST, /v1/libraries/lib/index, ADMIN",
        "POST, /v1/libraries/search/search, READ",
        "POST, /v1/libraries/lib/documents/search, WRITE",
        "POST, /v1/unknown, ADMIN",
        "GET, /observe/metrics, METRICS",
    })
    void eachRouteNeedsItsScope(final String method, final String path, final Scope scope) {
        assertEquals(scope, RouteScopes.needed(method, path), method + " " + path);
    }

    @Test
    void theLibraryOfAPath() {
        assertEquals("lib", RouteScopes.libraryOf("/v1/libraries/lib"));
        assertEquals("lib", RouteScopes.libraryOf("/v1/libraries/lib/documents/d"));
        assertNull(RouteScopes.libraryOf("/v1/libraries"));
        assertNull(RouteScopes.libraryOf("/v1/libraries/"));
        assertNull(RouteScopes.libraryOf("/v1/embed"));
    }
}
