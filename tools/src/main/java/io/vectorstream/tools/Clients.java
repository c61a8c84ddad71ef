package io.vectorstream.tools;

import io.vectorstream.cli.Options;
import io.vectorstream.client.VectorStreamClient;
import java.net.URI;
import java.time.Duration;

/** The Java client the commands reach the service with, from {@code --url} and {@code --api-key}. */
final class Clients {

    private Clients() {
    }

    static String url(final Options options) {
        return options.get("url", "http://localhost:8080").replaceAll("/+$", "");
    }

    static VectorStreamClient http(final Options options) {
        String key = options.get("api-key", System.getenv("VECTORSTREAM_API_KEY"));
        URI url;
        try {
            url = URI.create(url(options));
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException("--url is not a URL: " + e.getMessage());
        }
        return VectorStreamClient.builder(url).apiKey(key == null || key.isBlank() ? null : key)
                .timeout(Duration.ofSeconds(60)).build();
    }
}
