package io.vectorstream.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vectorstream.security.ApiKeyFile;
import io.vectorstream.security.ApiKeys;
import io.vectorstream.security.RouteScopes;

/**
 * Every {@code /v1} request's key, when the deployment has keys: none or an unknown one is a 401,
 * a key whose scope or libraries do not cover the request a 403. With no keys the API is open.
 * The key comes in {@code X-Api-Key} or {@code Authorization: Bearer}; it is never logged.
 */
final class ApiKeyGuard implements Handler {

    static final String HEADER = "X-Api-Key";
    private static final String BEARER = "Bearer ";
    /** Where the guard leaves the key's name in the request's context. */
    private static final String PRINCIPAL = "vectorstream.principal";

    private final ApiKeyFile file;

    ApiKeyGuard(final ApiKeyFile file) {
        this.file = file;
    }

    @Override
    public void handle(final ServerRequest req, final ServerResponse res) {
        ApiKeys keys = file.current();
        if (keys.isEmpty()) {
            res.next();
            return;
        }
        String presented = presented(req);
        if (presented == null) {
            throw new ApiException(401, "unauthorized", "this API needs a key: send it in " + HEADER
                    + " or Authorization: Bearer", null);
        }
        ApiKeys.Key key = keys.match(presented).orElseThrow(() -> new ApiException(401, "unauthorized",
                "the API key is not one of this deployment's (revoked, or mistyped)", null));
        String method = req.prologue().method().text();
        String path = req.path().path();
        ApiKeys.Scope needed = RouteScopes.needed(method, path);
        if (!key.scope().allows(needed)) {
            throw new ApiException(403, "forbidden", "key '" + key.name() + "' has scope " + key.scope().wireName()
                    + "; " + method + " " + path + " needs " + needed.wireName(), null);
        }
        if (!key.libraries().isEmpty()) {
            String library = RouteScopes.libraryOf(path);
            if (library == null && path.startsWith("/v1/libraries")) {
                throw new ApiException(403, "forbidden", "key '" + key.name() + "' is limited to libraries "
                        + key.libraries() + ": it cannot list or create libraries", null);
            }
            if (library != null && !key.reaches(library)) {
                throw new ApiException(403, "forbidden", "key '" + key.name() + "' is limited to libraries "
                        + key.libraries() + ", not '" + library + "'", null);
            }
        }
        req.context().register(PRINCIPAL, key.name());
        res.next();
    }

    /** The name of the request's key, if the API has keys; {@code null} when it is open. */
    static String principalOf(final ServerRequest req) {
        return req.context().get(PRINCIPAL, String.class).orElse(null);
    }

    private static String presented(final ServerRequest req) {
        String key = req.headers().first(HeaderNames.create(HEADER)).orElse(null);
        if (key != null && !key.isBlank()) {
            return key.strip();
        }
        String authorization = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        if (authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String token = authorization.substring(BEARER.length()).strip();
            return token.isEmpty() ? null : token;
        }
        return null;
    }
}
