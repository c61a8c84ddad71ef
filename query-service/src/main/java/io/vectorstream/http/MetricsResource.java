package io.vectorstream.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.function.Supplier;

/** {@code GET /observe/metrics}: every meter of the instance in Prometheus' text format. */
final class MetricsResource implements Handler {

    static final String PATH = "/observe/metrics";
    /** Prometheus' text exposition format, which every scraper reads. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Supplier<String> scrape;

    MetricsResource(final Supplier<String> scrape) {
        this.scrape = scrape;
    }

    @Override
    public void handle(final ServerRequest req, final ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE).send(scrape.get());
    }
}
