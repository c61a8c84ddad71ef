package io.vectorstream.security;

import io.vectorstream.security.ApiKeys.Scope;

/**
 * The scope each API request needs: reading (GET, search, embed) needs {@code read}; writing
 * documents and chunks {@code write}; creating, changing or deleting a library and asking for an
 * index build {@code admin}; the metrics, when guarded, {@code metrics}; anything else,
 * {@code admin} (an unknown route then answers 404 only to keys that could use any route).
 */
public final class RouteScopes {

    private static final String LIBRARIES = "/v1/libraries";
    private static final String METRICS = "/observe/metrics";

    private RouteScopes() {
    }

    /** The scope {@code method} on {@code path} needs. */
    public static Scope needed(final String method, final String path) {
        if (METRICS.equals(path)) {
            return Scope.METRICS;
        }
        if ("GET".equals(method) || "HEAD".equals(method)) {
            return Scope.READ;
        }
        if ("POST".equals(method) && ("/v1/embed".equals(path) || path.startsWith(LIBRARIES + "/")
                && ((path.endsWith("/search") || path.endsWith("/count")) && segments(path) == 4
                || path.endsWith("/search/batch") && segments(path) == 5))) {
            return Scope.READ;
        }
        if (path.startsWith(LIBRARIES + "/") && path.contains("/documents")) {
            return Scope.WRITE;
        }
        return Scope.ADMIN;
    }

    /** The library a path names ({@code /v1/libraries/{lib}/...}), or null. */
    public static String libraryOf(final String path) {
        if (!path.startsWith(LIBRARIES + "/")) {
            return null;
        }
        String rest = path.substring(LIBRARIES.length() + 1);
        int slash = rest.indexOf('/');
        String library = slash < 0 ? rest : rest.substring(0, slash);
        return library.isEmpty() ? null : library;
    }

    private static int segments(final String path) {
        return path.substring(1).split("/").length;
    }
}
