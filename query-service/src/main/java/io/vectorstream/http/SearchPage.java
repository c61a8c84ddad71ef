package io.vectorstream.http;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.MemoryCache;
import io.helidon.webserver.staticcontent.StaticContentFeature;

/**
 * The search page at {@code /}: plain HTML, CSS and JavaScript from the class path's {@code web/}
 * folder, which call the API from the browser. It lives outside {@code /v1}, so API keys do not
 * guard it: the page asks for a key when the API answers 401. Registered after the API, it only
 * sees requests no route of the API took.
 */
public final class SearchPage {

    /** The folder of the page's files on the class path. */
    static final String CLASSPATH_ROOT = "web";

    /**
     * Revalidate on every load (the answer is a 304 while the file is unchanged): a browser never
     * keeps the page of an older version of the service.
     */
    private static final Header CACHE_CONTROL = HeaderValues.create(HeaderNames.CACHE_CONTROL, "no-cache");

    /**
     * The page shows texts and metadata that any writer of the library chose: it renders them as
     * text, and the browser runs no script, style or request but the service's own, nor frames it.
     */
    private static final Header CONTENT_SECURITY_POLICY = HeaderValues.create("Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
                    + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'");

    private SearchPage() {
    }

    /** Adds the page to a routing, after the API's routes. */
    public static void register(final HttpRouting.Builder routing) {
        routing.route(Method.predicate(Method.GET, Method.HEAD), PathMatchers.any(), SearchPage::headers);
        routing.register(files());
    }

    private static HttpService files() {
        return StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                .location(CLASSPATH_ROOT)
                .welcome("index.html")
                // Served from memory, not from files extracted out of the jar into a temporary folder.
                .memoryCache(MemoryCache.create())
                .putContentType("js", MediaTypes.create("text/javascript"))
                .build());
    }

    private static void headers(final ServerRequest req, final ServerResponse res) {
        res.header(CACHE_CONTROL);
        res.header(CONTENT_SECURITY_POLICY);
        res.next();
    }
}
