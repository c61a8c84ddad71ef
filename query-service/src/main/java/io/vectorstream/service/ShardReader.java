package io.vectorstream.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vectorstream.cluster.ClusterShards;
import io.vectorstream.cluster.ReadOptions;
import io.vectorstream.cluster.Waiting;
import io.vectorstream.index.IndexStats;
import io.vectorstream.metrics.LatencyBuckets;
import io.vectorstream.index.Metric;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.store.ShardQuery.DocumentStats;
import io.vectorstream.store.ShardQuery.LibraryStats;
import io.vectorstream.stream.ConsistencyToken;
import io.vectorstream.stream.InputEnds;
import io.vectorstream.stream.ShardAnswers;
import io.vectorstream.stream.ShardPartitioner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads libraries, documents and chunks from the shards of every instance and merges the answers:
 * counts are summed (a library spreads over all shards), listings are merged in id order, search
 * hits are merged into one top-k. A document and its chunks live in one shard: reads of them ask
 * that shard only. Counts and listings need every shard (a missing one is a 503, never a smaller
 * number); a search may answer from the shards that answered, and says which did not.
 */
public final class ShardReader {

    /** How long a read carrying a consistency token waits for the shards to apply it. */
    public static final Duration TOKEN_WAIT = Duration.ofSeconds(10);

    private final ClusterShards shards;
    private final InputEnds inputEnds;
    private final Duration deadline;
    private final long searchMaxLag;
    private final MeterRegistry meters;

    /**
     * @param inputEnds    the events topic's end offsets: what a token may name
     * @param deadline     how long a read may take across the instances, retries during a rebalance included
     * @param searchMaxLag a search's default bound on how far behind a standby copy that answers for a
     *                     shard may be, in changelog records; -1: active copies only
     * @param meters       where searches are timed ({@code vectorstream_search_seconds{index}})
     */
    public ShardReader(final ClusterShards shards, final InputEnds inputEnds, final Duration deadline,
                       final long searchMaxLag, final MeterRegistry meters) {
        this.meters = meters;
        this.shards = shards;
        this.inputEnds = inputEnds;
        this.deadline = deadline;
        this.searchMaxLag = searchMaxLag;
    }

    /** A search's default bound on a standby copy's lag ({@code maxLagOffsets}). */
    public long searchMaxLag() {
        return searchMaxLag;
    }

    /**
     * Waits until every shard, on every instance, has applied the token.
     *
     * @throws Refusal not yet consistent if they have not within {@code timeout}
     */
    public void awaitApplied(final ConsistencyToken token, final Duration timeout) {
        awaitApplied(token, timeout, null);
    }

    /**
     * {@link #awaitApplied(ConsistencyToken, Duration)} for a token a client sent: one that names
     * a position the events topic has not reached (a partition it does not have, an offset at or
     * past a partition's end) can never be satisfied, so it is a 400 at once, not a wait and a
     * "retry" that a client would repeat for ever.
     *
     * @param tokenField where the token came from, named by that 400
     */
    public void awaitApplied(final ConsistencyToken token, final Duration timeout, final String tokenField) {
        if (token == null) {
            return;
        }
        if (tokenField != null) {
            requireWithinInput(token, tokenField);
        }
        ReadOptions options = ReadOptions.fresh(timeout.compareTo(deadline) > 0 ? timeout : deadline)
                .withToken(token, timeout);
        ShardAnswers<Map<Integer, Long>> marks = shards.ask(new ShardQuery.Watermarks(), null, options);
        if (!marks.isComplete() || !marks.results().values().stream().allMatch(token::isSatisfiedBy)) {
            throw new Refusal(Refusal.Reason.NOT_YET_CONSISTENT, "the write " + token + " is not applied yet ("
                    + marks.why() + "); retry", null);
        }
    }

    /** How long a token's check waits for a reading of the events topic's ends. */
    private static final Duration END_READING_WAIT = Duration.ofSeconds(2);

    private void requireWithinInput(final ConsistencyToken token, final String tokenField) {
        if (isWithinInput(token)) {
            return; // the usual case: the last reading covers it
        }
        if (!inputEnds.awaitReading(END_READING_WAIT)) {
            return; // the broker cannot say now: the token waits as any other
        }
        for (Map.Entry<Integer, Long> position : token.offsets().entrySet()) {
            long end = inputEnds.end(position.getKey());
            if (end < 0) {
                throw Refusal.badRequest("the consistency token names partition " + position.getKey()
                        + ", which the events topic does not have: it is not a token this service gave", tokenField);
            }
            if (position.getValue() >= end) {
                throw Refusal.badRequest("the consistency token names offset " + position.getValue()
                        + " of partition " + position.getKey() + ", which ends at " + end + ": it is not a token "
                        + "this service gave", tokenField);
            }
        }
    }

    private boolean isWithinInput(final ConsistencyToken token) {
        return token.offsets().entrySet().stream().allMatch(p -> p.getValue() < inputEnds.end(p.getKey()));
    }

    /** How many shards a library spreads over. */
    public int shardCount() {
        return shards.shardCount();
    }

    /** A library with its document and chunk counts summed over the shards. */
    public Optional<LibraryStats> library(final String libraryId) {
        return sumLibraries(flatten(every(new ShardQuery.GetLibrary(libraryId)).values())).stream().findFirst();
    }

    /** The library, or 404. */
    public LibraryStats requireLibrary(final String libraryId) {
        return library(libraryId).orElseThrow(() -> notFound(libraryId));
    }

    /**
     * The library's record as one shard has it, without its counts: what a search or a write
     * needs (dimension, metric, model), from this instance's own shard when it has one. Every
     * shard gets the library's events in the same order, so any one of them knows it.
     */
    public LibraryRecord requireLibraryRecord(final String libraryId) {
        Set<Integer> local = shards.placement().localActive();
        int shard = local.isEmpty() ? 0 : local.iterator().next();
        return one(new ShardQuery.GetLibrary(libraryId), shard).map(LibraryStats::library)
                .orElseThrow(() -> notFound(libraryId));
    }

    private static Refusal notFound(final String libraryId) {
        return Refusal.notFound("library '" + libraryId + "' does not exist");
    }

    public Page<LibraryStats> libraries(final String afterId, final int limit) {
        List<LibraryStats> all = new ArrayList<>();
        every(new ShardQuery.ListLibraries(afterId, limit + 1)).values().forEach(all::addAll);
        return Page.firstOf(sumLibraries(all), limit, s -> s.library().id());
    }

    public Optional<DocumentStats> document(final String libraryId, final String documentId) {
        return one(new ShardQuery.GetDocument(libraryId, documentId), shardOf(libraryId, documentId));
    }

    public DocumentStats requireDocument(final String libraryId, final String documentId) {
        return document(libraryId, documentId).orElseThrow(() -> Refusal.notFound(
                "document '" + documentId + "' does not exist in library '" + libraryId + "'"));
    }

    public Page<DocumentStats> documents(final String libraryId, final String afterId, final int limit) {
        List<DocumentStats> all = new ArrayList<>();
        every(new ShardQuery.ListDocuments(libraryId, afterId, limit + 1)).values().forEach(all::addAll);
        all.sort(Comparator.comparing(s -> s.document().id()));
        return Page.firstOf(all, limit, s -> s.document().id());
    }

    public Optional<ChunkRecord> chunk(final String libraryId, final String documentId, final String chunkId) {
        return one(new ShardQuery.GetChunk(libraryId, documentId, chunkId), shardOf(libraryId, documentId));
    }

    public ChunkRecord requireChunk(final String libraryId, final String documentId, final String chunkId) {
        return chunk(libraryId, documentId, chunkId).orElseThrow(() -> Refusal.notFound(
                "chunk '" + chunkId + "' does not exist in document '" + documentId + "' of library '" + libraryId + "'"));
    }

    /** A document's chunks in id order: they all live in the document's shard. */
    public Page<ChunkRecord> chunks(final String libraryId, final String documentId, final String afterId,
                                    final int limit) {
        int shard = shardOf(libraryId, documentId);
        ShardAnswers<List<ChunkRecord>> answers = complete(shards.ask(new ShardQuery.ListChunks(libraryId, documentId,
                afterId, limit + 1), Set.of(shard), ReadOptions.fresh(deadline)));
        List<ChunkRecord> all = new ArrayList<>(answers.results().get(shard));
        all.sort(Comparator.comparing(ChunkRecord::id));
        return Page.firstOf(all, limit, ChunkRecord::id);
    }

    /**
     * The k best chunks (grouped: documents) over the shards that answered, best first, what
     * answered ({@code flat} when any shard searched exactly, for example an IVF shard not trained
     * yet), and which shards did not.
     *
     * @param metric        the library's, by which the shards' answers are merged
     * @param allowPartial  whether an answer without some shards is an answer (saying so) or a 503
     * @param maxLagOffsets -1: active shards only; otherwise a standby copy at most this many
     *                      records behind may answer for a shard whose active copy cannot
     * @param waiting       what the search gives up while it waits for peers or a rebalance
     */
    public SearchResult search(final ShardQuery.Knn query, final Metric metric, final boolean allowPartial,
                               final long maxLagOffsets, final Waiting waiting) {
        long start = System.nanoTime();
        ShardAnswers<ShardQuery.KnnAnswer> answers = shards.ask(query, null,
                ReadOptions.fresh(deadline).withMaxLag(maxLagOffsets).withWaiting(waiting));
        if (!allowPartial) {
            complete(answers);
        }
        if (answers.results().isEmpty()) {
            throw Refusal.unavailable("no shard answered: " + answers.why());
        }
        ShardQuery.KnnAnswer merged = query.groupSize() > 0
                ? SearchMerge.topGroups(answers.results().values(), metric, query.k())
                : SearchMerge.topK(answers.results().values(), metric, query.k());
        SearchResult result = new SearchResult(merged, query.groupSize() > 0, new TreeSet<>(answers.results().keySet()),
                new TreeSet<>(answers.missing()), answers.why());
        Timer.builder("vectorstream.search").description("Searches across the shards of every instance, by what"
                        + " answered: the index kind, or flat for an exact search")
                .tag("index", result.answer().index()).tag("partial", Boolean.toString(result.partial()))
                .serviceLevelObjectives(LatencyBuckets.bounds()).register(meters)
                .record(Duration.ofNanos(System.nanoTime() - start));
        return result;
    }

    /**
     * A search's answer.
     *
     * @param grouped  whether the hits are groups of one document's, one after the other ({@link #groups})
     * @param answered the shards whose hits are merged
     * @param missing  the shards that did not answer (the answer is partial when there are any)
     * @param why      why they did not, or null
     */
    public record SearchResult(ShardQuery.KnnAnswer answer, boolean grouped, Set<Integer> answered,
                               Set<Integer> missing, String why) {

        /**
         * This answer without one chunk (a search by example leaves out the example): at most
         * {@code k} hits, or grouped, at most {@code k} groups of at most {@code groupSize}, the
         * example's group placed again by its best remaining hit.
         */
        public SearchResult without(final String documentId, final String chunkId, final int k, final int groupSize,
                                    final Metric metric) {
            List<ShardQuery.ScoredChunk> kept = answer.hits().stream()
                    .filter(hit -> !(hit.chunk().documentId().equals(documentId) && hit.chunk().id().equals(chunkId)))
                    .toList();
            List<ShardQuery.ScoredChunk> hits;
            if (grouped) {
                Comparator<ShardQuery.ScoredChunk> order = ShardQuery.ScoredChunk.order(metric);
                hits = SearchMerge.groups(kept).stream().sorted((a, b) -> order.compare(a.getFirst(), b.getFirst()))
                        .limit(k).flatMap(group -> group.stream().limit(groupSize)).toList();
            } else {
                hits = kept.stream().limit(k).toList();
            }
            return new SearchResult(new ShardQuery.KnnAnswer(hits, answer.index(), answer.strategy(), answer.exhaustive()),
                    grouped, answered, missing, why);
        }

        /** A grouped answer's groups: each one document's hits, best first. */
        public List<List<ShardQuery.ScoredChunk>> groups() {
            return SearchMerge.groups(answer.hits());
        }

        public boolean partial() {
            return !missing.isEmpty();
        }
    }

    /** The state of a library's index in every shard, by shard. */
    public Map<Integer, IndexStats> indexReport(final String libraryId) {
        Map<Integer, IndexStats> out = new TreeMap<>();
        every(new ShardQuery.IndexReport(libraryId)).forEach((shard, stats) -> stats.ifPresent(s -> out.put(shard, s)));
        return out;
    }

    private int shardOf(final String libraryId, final String documentId) {
        return ShardPartitioner.shardOf(libraryId, documentId, shards.shardCount());
    }

    /**
     * The exact number of a library's chunks that match {@code filterJson} (null: all), over every
     * shard (503 while one cannot answer: a count is never a part of one).
     */
    public long count(final String libraryId, final String filterJson) {
        return every(new ShardQuery.Count(libraryId, filterJson)).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Every shard's answer, or 503. */
    private <R> Map<Integer, R> every(final ShardQuery<R> query) {
        return complete(shards.ask(query, null, ReadOptions.fresh(deadline))).results();
    }

    /** One shard's answer, or 503. */
    private <R> R one(final ShardQuery<R> query, final int shard) {
        return complete(shards.ask(query, Set.of(shard), ReadOptions.fresh(deadline))).results().get(shard);
    }

    private static <R> ShardAnswers<R> complete(final ShardAnswers<R> answers) {
        if (!answers.isComplete()) {
            throw Refusal.unavailable("shards " + new TreeSet<>(answers.missing()) + " cannot answer now: "
                    + answers.why());
        }
        return answers;
    }

    private static <T> List<T> flatten(final Collection<Optional<T>> answers) {
        return answers.stream().flatMap(Optional::stream).toList();
    }

    /** Every shard has every library; their counts of its documents and chunks add up. */
    private static List<LibraryStats> sumLibraries(final List<LibraryStats> perShard) {
        Map<String, LibraryStats> byId = new TreeMap<>();
        for (LibraryStats s : perShard) {
            byId.merge(s.library().id(), s, (a, b) -> new LibraryStats(
                    a.library().version() >= b.library().version() ? a.library() : b.library(),
                    a.documentCount() + b.documentCount(), a.chunkCount() + b.chunkCount()));
        }
        return new ArrayList<>(byId.values());
    }
}
