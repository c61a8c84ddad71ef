package io.vectorstream.tools;

import io.vectorstream.cli.Options;
import io.vectorstream.client.VectorStreamClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** The Java client the commands reach the service with, from {@code --url} and {@code --api-key}. */
final class Clients {

    private Clients() {
    }

    static String url(final Options options) {
        return options.get("url", "http://localhost:8080").replaceAll("/+$", "");
    }

    /** Texts embedded per call of {@code POST /v1/embed} (it takes 256 at most). */
    static final int EMBED_BATCH = 64;

    /** A batch of embeddings: those of {@code texts[from..from + vectors.size())}. */
    interface EmbeddedBatch {
        void accept(int from, List<float[]> vectors);
    }

    /**
     * Embeds {@code texts} through the service's model ({@code passage}), {@value #EMBED_BATCH} per
     * call, handing each batch over as it comes: nothing of a large file waits in memory.
     */
    static void embedInBatches(final VectorStreamClient client, final List<String> texts, final String model,
                               final EmbeddedBatch batches) {
        for (int from = 0; from < texts.size(); from += EMBED_BATCH) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + EMBED_BATCH));
            batches.accept(from, client.embed(batch, model, "passage").embeddings());
        }
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
