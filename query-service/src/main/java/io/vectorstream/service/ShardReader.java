package io.vectorstream.service;

import io.vectorstream.index.IndexStats;
import io.vectorstream.index.Metric;
import io.vectorstream.index.SearchParams;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.store.ShardQuery;
import io.vectorstream.store.ShardQuery.DocumentStats;
import io.vectorstream.store.ShardQuery.LibraryStats;
import io.vectorstream.store.ShardQuery.ScoredChunk;
import io.vectorstream.stream.ConsistencyToken;
import io.vectorstream.stream.InputEnds;
import io.vectorstream.stream.ShardClient;
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
import java.util.function.Function;

/**
 * Reads libraries, documents and chunks from every local shard and merges the answers: counts are
 * summed (a library spreads over all shards), listings are merged in id order, search hits are
 * merged into one top-k.
 */
public final class ShardReader {

    /** How long a read carrying a consistency token waits for the shards to apply it. */
    public static final Duration TOKEN_WAIT = Duration.ofSeconds(10);

    private final ShardClient shards;
    private final InputEnds inputEnds;

    /**
     * @param inputEnds the events topic's end offsets: what a token may name
     */
    public ShardReader(final ShardClient shards, final InputEnds inputEnds) {
        this.shards = shards;
        this.inputEnds = inputEnds;
    }

    /**
     * Waits until every local shard has applied the token.
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
        if (!shards.awaitApplied(token, null, timeout)) {
            throw new Refusal(Refusal.Reason.NOT_YET_CONSISTENT, "the write " + token + " is not applied yet; retry",
                    null);
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
        return sumLibraries(flatten(query(new ShardQuery.GetLibrary(libraryId)).values())).stream().findFirst();
    }

    /** The library, or 404. */
    public LibraryStats requireLibrary(final String libraryId) {
        return library(libraryId).orElseThrow(() -> Refusal.notFound("library '" + libraryId + "' does not exist"));
    }

    public Page<LibraryStats> libraries(final String afterId, final int limit) {
        List<LibraryStats> all = new ArrayList<>();
        query(new ShardQuery.ListLibraries(afterId, limit + 1)).values().forEach(all::addAll);
        return page(sumLibraries(all), limit, s -> s.library().id());
    }

    public Optional<DocumentStats> document(final String libraryId, final String documentId) {
        return flatten(query(new ShardQuery.GetDocument(libraryId, documentId)).values()).stream().findFirst();
    }

    public DocumentStats requireDocument(final String libraryId, final String documentId) {
        return document(libraryId, documentId).orElseThrow(() -> Refusal.notFound(
                "document '" + documentId + "' does not exist in library '" + libraryId + "'"));
    }

    public Page<DocumentStats> documents(final String libraryId, final String afterId, final int limit) {
        List<DocumentStats> all = new ArrayList<>();
        query(new ShardQuery.ListDocuments(libraryId, afterId, limit + 1)).values().forEach(all::addAll);
        all.sort(Comparator.comparing(s -> s.document().id()));
        return page(all, limit, s -> s.document().id());
    }

    public Optional<ChunkRecord> chunk(final String libraryId, final String documentId, final String chunkId) {
        return flatten(query(new ShardQuery.GetChunk(libraryId, documentId, chunkId)).values()).stream().findFirst();
    }

    public ChunkRecord requireChunk(final String libraryId, final String documentId, final String chunkId) {
        return chunk(libraryId, documentId, chunkId).orElseThrow(() -> Refusal.notFound(
                "chunk '" + chunkId + "' does not exist in document '" + documentId + "' of library '" + libraryId + "'"));
    }

    public Page<ChunkRecord> chunks(final String libraryId, final String documentId, final String afterId,
                                    final int limit) {
        List<ChunkRecord> all = new ArrayList<>();
        query(new ShardQuery.ListChunks(libraryId, documentId, afterId, limit + 1)).values().forEach(all::addAll);
        all.sort(Comparator.comparing(ChunkRecord::id));
        return page(all, limit, ChunkRecord::id);
    }

    /**
     * The k best chunks over all shards, best first, and what answered ({@code flat} when any shard
     * searched exactly, for example an IVF shard not trained yet).
     */
    public ShardQuery.KnnAnswer search(final String libraryId, final Metric metric, final float[] vector, final int k,
                                      final SearchParams params) {
        List<ScoredChunk> merged = new ArrayList<>();
        Set<String> answeredBy = new TreeSet<>();
        for (ShardQuery.KnnAnswer answer : query(new ShardQuery.Knn(libraryId, vector, k, params)).values()) {
            merged.addAll(answer.hits());
            answeredBy.add(answer.index());
        }
        Comparator<ScoredChunk> byScore = Comparator.comparingDouble(ScoredChunk::score);
        // Cosine and dot: higher is closer. L2 distance: lower is closer.
        merged.sort(metric == Metric.L2 ? byScore : byScore.reversed());
        List<ScoredChunk> top = merged.size() > k ? List.copyOf(merged.subList(0, k)) : merged;
        return new ShardQuery.KnnAnswer(top, String.join("+", answeredBy));
    }

    /** The state of a library's index in every shard, by shard. */
    public Map<Integer, IndexStats> indexReport(final String libraryId) {
        Map<Integer, IndexStats> out = new TreeMap<>();
        query(new ShardQuery.IndexReport(libraryId)).forEach((shard, stats) -> stats.ifPresent(s -> out.put(shard, s)));
        return out;
    }

    private <R> Map<Integer, R> query(final ShardQuery<R> query) {
        if (!shards.isRunning()) {
            throw Refusal.unavailable("the stream processor is not running yet");
        }
        try {
            return shards.query(query, null);
        } catch (ShardClient.ShardUnavailableException e) {
            throw Refusal.unavailable(e.getMessage());
        }
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

    private static <T> Page<T> page(final List<T> sorted, final int limit, final Function<T, String> id) {
        if (sorted.size() <= limit) {
            return new Page<>(sorted, null);
        }
        List<T> items = List.copyOf(sorted.subList(0, limit));
        return new Page<>(items, Page.cursorAfter(id.apply(items.getLast())));
    }
}
