package io.vectorstream.tools;

import io.vectorstream.cli.Options;
import io.vectorstream.client.ChunkRequest;
import io.vectorstream.client.DocumentRequest;
import io.vectorstream.client.Library;
import io.vectorstream.client.LibraryRequest;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.client.VectorStreamException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code seed}: example records for a first look, embedded by the service's model over
 * {@code POST /v1/embed} and written a document (eight chunks) per call. The ids are fixed, so a
 * second run replaces what the first wrote instead of adding to it.
 */
final class SeedCommand {

    /** Document writes in flight at once. */
    private static final int WINDOW = 4;

    private SeedCommand() {
    }

    static int run(final List<String> args, final PrintStream out, final PrintStream err) {
        Options options = new Options(args, Set.of("url", "library", "count", "model", "api-key"), Set.of());
        List<SeedTexts.Text> all = SeedTexts.all();
        int count = count(options.get("count", "200"), all.size());
        String libraryId = options.get("library", "example");
        VectorStreamClient client = Clients.http(options);
        long started = System.nanoTime();
        String model = modelOf(client, libraryId, options.get("model", "all-minilm-l6-v2"), out);
        List<SeedTexts.Text> texts = SeedTexts.pick(all, count);

        ProgressBar embedding = ProgressBar.onConsole(err, "embedding", texts.size());
        List<float[]> vectors = new ArrayList<>();
        Clients.embedInBatches(client, texts.stream().map(SeedTexts.Text::text).toList(), model, (from, batch) -> {
            vectors.addAll(batch);
            embedding.advance(batch.size());
        });
        embedding.finish();

        Map<String, List<Integer>> documents = new LinkedHashMap<>();
        for (int i = 0; i < texts.size(); i++) {
            documents.computeIfAbsent(texts.get(i).documentId(), d -> new ArrayList<>()).add(i);
        }
        ProgressBar writing = ProgressBar.onConsole(err, "writing", texts.size());
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> document : documents.entrySet()) {
            SeedTexts.Text first = texts.get(document.getValue().getFirst());
            List<ChunkRequest> chunks = document.getValue().stream()
                    .map(i -> new ChunkRequest(texts.get(i).id(), texts.get(i).text(), vectors.get(i),
                            Map.of("topic", texts.get(i).topic())))
                    .toList();
            inFlight.add(client.putDocumentAsync(libraryId, document.getKey(),
                    DocumentRequest.of(Map.of("topic", first.topic(), "title", first.title()), chunks), false)
                    .thenRun(() -> writing.advance(chunks.size())));
            if (inFlight.size() >= WINDOW) {
                inFlight.removeFirst().join();
            }
        }
        inFlight.forEach(CompletableFuture::join);
        writing.finish();
        Library library = client.getLibrary(libraryId); // waits for the writes (session consistency)
        out.printf("Seeded library '%s' with %,d chunks in %,d documents on %d topics in %.1f s (it now holds %,d"
                        + " chunks).%n", libraryId, texts.size(), documents.size(),
                texts.stream().map(SeedTexts.Text::topic).distinct().count(), (System.nanoTime() - started) / 1e9,
                library.chunkCount());
        out.printf("Try: curl -s -X POST %s/v1/libraries/%s/search -H 'Content-Type: application/json' -d"
                + " '{\"text\": \"how do satellites stay up\", \"k\": 3}'%n", Clients.url(options), libraryId);
        return 0;
    }

    private static int count(final String value, final int available) {
        try {
            int count = Integer.parseInt(value);
            if (count >= 1 && count <= available) {
                return count;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new Options.UsageException("--count must be a number from 1 to " + available + ", got '" + value + "'");
    }

    /**
     * The model to embed with: the library's own; a library without one must have the model's
     * dimension. A missing library is created with {@code model}.
     */
    private static String modelOf(final VectorStreamClient client, final String libraryId, final String model,
                                  final PrintStream out) {
        try {
            Library library = client.getLibrary(libraryId);
            if (library.model() != null) {
                return library.model();
            }
            int dimension = client.embed(List.of("dimension"), model, "passage").dimension();
            if (dimension != library.dimension()) {
                throw new IllegalStateException("library '" + libraryId + "' has no model and dimension "
                        + library.dimension() + ", but " + model + " makes vectors of " + dimension
                        + ": seed another library (--library)");
            }
            return model;
        } catch (VectorStreamException.NotFound missing) {
            client.createLibrary(LibraryRequest.withModel(libraryId, "Examples", model), true);
            out.printf("Created the library '%s' with the model %s.%n", libraryId, model);
            return model;
        }
    }
}
