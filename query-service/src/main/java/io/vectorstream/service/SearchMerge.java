package io.vectorstream.service;

import io.vectorstream.index.Metric;
import io.vectorstream.store.ShardQuery.KnnAnswer;
import io.vectorstream.store.ShardQuery.ScoredChunk;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Merges the top-k lists of shards into one: best first by the metric (cosine and dot: higher is
 * closer; l2 distance: lower is), equal scores in the order of document and chunk id, so that the
 * same hits give the same list whichever instance merges them and in whatever order the shards answer.
 */
final class SearchMerge {

    private SearchMerge() {
    }

    /**
     * The {@code k} best hits of all {@code answers} (fewer when they hold fewer), and what answered:
     * the index kinds of the shards, joined by {@code +} (for example {@code flat+ivf}).
     */
    static KnnAnswer topK(final Collection<KnnAnswer> answers, final Metric metric, final int k) {
        List<ScoredChunk> merged = new ArrayList<>();
        Set<String> answeredBy = new TreeSet<>();
        for (KnnAnswer answer : answers) {
            merged.addAll(answer.hits());
            answeredBy.add(answer.index());
        }
        merged.sort(order(metric));
        List<ScoredChunk> top = merged.size() > k ? List.copyOf(merged.subList(0, k)) : merged;
        return new KnnAnswer(top, String.join("+", answeredBy));
    }

    static Comparator<ScoredChunk> order(final Metric metric) {
        Comparator<ScoredChunk> byScore = Comparator.comparingDouble(ScoredChunk::score);
        return (metric == Metric.L2 ? byScore : byScore.reversed())
                .thenComparing(hit -> hit.chunk().documentId())
                .thenComparing(hit -> hit.chunk().id());
    }
}
