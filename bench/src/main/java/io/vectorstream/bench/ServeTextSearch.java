package io.vectorstream.bench;

import io.vectorstream.embed.DjlEmbedder;
import io.vectorstream.embed.Embedder;
import io.vectorstream.index.SearchParams;
import io.vectorstream.index.VectorIndex;
import java.io.PrintStream;
import java.net.URI;
import java.util.Arrays;
import java.util.List;

/**
 * The text searches of {@code bench serve}: a query text in, the service embeds it with the
 * library's model and searches. Each text once (every one new to the service: the model runs),
 * then the same texts again (the service's query cache has them), one client; beside them, in this
 * process, the bare model and the same index searched one query at a time: the reference of a
 * search that embeds, while a search whose text is cached compares with the index alone on the
 * same texts' vectors.
 */
final class ServeTextSearch {

    private static final int K = 10;
    private static final int WARM_UP = 50;

    /**
     * In this process, one query at a time: the bare model and the index ({@code qps}, the
     * latencies), and the index alone on the same texts' vectors ({@code indexQps}).
     */
    record Reference(String index, double qps, double p50Ms, double p99Ms, double indexQps) {
    }

    private final URI url;
    private final DjlEmbedder model;
    private final List<String> sentences;
    private final PrintStream progress;

    /**
     * @param model    the libraries' model, loaded in this process (its caller closes it)
     * @param searches texts searched (each once, then again)
     */
    ServeTextSearch(final URI url, final DjlEmbedder model, final int searches, final PrintStream progress) {
        this.url = url;
        this.model = model;
        this.sentences = EmbedBenchmark.sentences(searches, 29);
        this.progress = progress;
    }

    /** Text searches of {@code library}, whose vectors {@code index} holds in this process. */
    void run(final String kind, final String library, final VectorIndex<Integer> index,
             final ServeBenchmark.Report report) {
        // Texts of this library's own: the query cache is by model and text, and each library
        // has the same model, so another library's texts would all be cached.
        List<String> texts = sentences.stream().map(text -> text + " (" + kind + ")").toList();
        HttpLoad load = new HttpLoad(url, "/v1/libraries/" + library + "/search", HttpLoad.textBodies(texts), null);
        // Warm-up texts of their own: the measured ones must be new to the service's query cache.
        new HttpLoad(url, "/v1/libraries/" + library + "/search",
                HttpLoad.textBodies(texts.subList(0, Math.min(WARM_UP, texts.size())).stream()
                        .map(text -> "Warming up: " + text).toList()), null).closed(1, Math.min(WARM_UP, texts.size()));
        progress.printf("search %s by text: %d texts, each new to the service, one client%n", kind, texts.size());
        HttpLoad.Result miss = load.closed(1, texts.size());
        progress.printf("search %s by text: the same texts again (cached by the service)%n", kind);
        HttpLoad.Result hit = load.closed(1, texts.size());
        Reference modelAndIndex = inProcess(kind, texts, index);
        report.textReference(modelAndIndex);
        report.text(kind, "new text", miss, modelAndIndex.qps(), "model+index");
        report.text(kind, "cached", hit, modelAndIndex.indexQps(), "index");
    }

    private Reference inProcess(final String kind, final List<String> texts, final VectorIndex<Integer> index) {
        for (String text : texts.subList(0, Math.min(WARM_UP, texts.size()))) {
            index.search(model.embed(List.of("Warming up: " + text), Embedder.Purpose.QUERY)[0], K,
                    SearchParams.DEFAULT, null);
        }
        long[] nanos = new long[texts.size()];
        long searchNanos = 0;
        long start = System.nanoTime();
        for (int i = 0; i < texts.size(); i++) {
            long begin = System.nanoTime();
            float[] vector = model.embed(List.of(texts.get(i)), Embedder.Purpose.QUERY)[0];
            long embedded = System.nanoTime();
            index.search(vector, K, SearchParams.DEFAULT, null);
            long end = System.nanoTime();
            nanos[i] = end - begin;
            searchNanos += end - embedded;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(nanos);
        return new Reference(kind, texts.size() / seconds, HttpLoad.millisAt(nanos, 0.5), HttpLoad.millisAt(nanos, 0.99),
                texts.size() / (searchNanos / 1e9));
    }

}
