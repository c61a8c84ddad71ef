package io.vectorstream.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vectorstream.index.IndexStats;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.stream.ShardAnswers;
import io.vectorstream.stream.ShardClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the shards active on this instance hold, per library and shard, read from the stores when
 * scraped: chunks, documents, the index's memory, whether it is trained and how long its last
 * build took. Each instance reports its own shards; summed over instances they are the database.
 * Shards not active here (another instance's, or moving) are left out, never reported twice.
 */
final class ShardGauges {

    /** Libraries reported per shard at most: one series each per meter, a bound on a scrape's size. */
    static final int MAX_LIBRARIES_PER_SHARD = 1_000;

    private final ShardClient shards;
    private final MultiGauge chunks;
    private final MultiGauge documents;
    private final MultiGauge memory;
    private final MultiGauge trained;
    private final MultiGauge lastBuild;

    ShardGauges(final ShardClient shards, final MeterRegistry registry) {
        this.shards = shards;
        this.chunks = MultiGauge.builder("vectorstream.library.chunks").baseUnit("chunks")
                .description("Chunks of a library in a shard of this instance").register(registry);
        this.documents = MultiGauge.builder("vectorstream.library.documents").baseUnit("documents")
                .description("Documents of a library in a shard of this instance").register(registry);
        this.memory = MultiGauge.builder("vectorstream.index.memory").baseUnit("bytes")
                .description("Heap a library's index takes in a shard of this instance, vectors included")
                .register(registry);
        this.trained = MultiGauge.builder("vectorstream.index.trained")
                .description("1 when a library's index in a shard is trained (IVF has centroids), else 0")
                .register(registry);
        this.lastBuild = MultiGauge.builder("vectorstream.index.last.build").baseUnit("seconds")
                .description("How long the last (re)build or training of a library's index in a shard took")
                .register(registry);
    }

    void refresh() {
        List<MultiGauge.Row<?>> chunkRows = new ArrayList<>();
        List<MultiGauge.Row<?>> documentRows = new ArrayList<>();
        List<MultiGauge.Row<?>> memoryRows = new ArrayList<>();
        List<MultiGauge.Row<?>> trainedRows = new ArrayList<>();
        List<MultiGauge.Row<?>> buildRows = new ArrayList<>();
        Set<Integer> local = shards.placement().localActive();
        ShardAnswers<List<ShardQuery.LibraryStats>> listed =
                shards.answer(new ShardQuery.ListLibraries(null, MAX_LIBRARIES_PER_SHARD), local, -1);
        for (Map.Entry<Integer, List<ShardQuery.LibraryStats>> shard : listed.results().entrySet()) {
            for (ShardQuery.LibraryStats stats : shard.getValue()) {
                String library = stats.library().id();
                Tags tags = Tags.of("library", library, "shard", Integer.toString(shard.getKey()));
                chunkRows.add(MultiGauge.Row.of(tags, stats.chunkCount()));
                documentRows.add(MultiGauge.Row.of(tags, stats.documentCount()));
                Optional<IndexStats> index = shards.answer(new ShardQuery.IndexReport(library), Set.of(shard.getKey()),
                        -1).results().getOrDefault(shard.getKey(), Optional.empty());
                index.ifPresent(report -> {
                    Tags indexTags = tags.and("index", report.kind());
                    memoryRows.add(MultiGauge.Row.of(indexTags, report.memoryBytes()));
                    trainedRows.add(MultiGauge.Row.of(indexTags, report.trained() ? 1 : 0));
                    buildRows.add(MultiGauge.Row.of(indexTags, report.lastBuildMillis() / 1000.0));
                });
            }
        }
        chunks.register(chunkRows, true);
        documents.register(documentRows, true);
        memory.register(memoryRows, true);
        trained.register(trainedRows, true);
        lastBuild.register(buildRows, true);
    }
}
