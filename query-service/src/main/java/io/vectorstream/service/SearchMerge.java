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
 * Merges the top-k lists of shards into one, best first by {@link ScoredChunk#order}, so that the
 * same hits give the same list whichever instance merges them and in whatever order the shards
 * answer; grouped answers by their groups.
 */
final class SearchMerge {

    private SearchMerge() {
    }

    /**
     * The {@code k} best hits of all {@code answers} (fewer when they hold fewer), and what answered:
     * the index kinds and the strategies of the shards, each joined by {@code +} (for example
     * {@code flat+ivf}); exhaustive when every shard's answer was.
     */
    static KnnAnswer topK(final Collection<KnnAnswer> answers, final Metric metric, final int k) {
        List<ScoredChunk> merged = new ArrayList<>();
        answers.forEach(answer -> merged.addAll(answer.hits()));
        merged.sort(ScoredChunk.order(metric));
        return answeredBy(answers, merged.size() > k ? List.copyOf(merged.subList(0, k)) : merged);
    }

    /**
     * The {@code k} best groups of all grouped {@code answers}: a group is a run of one document's
     * hits, best first (a document lives in one shard, so no two shards answer for it); groups are
     * ordered by their best hit.
     */
    static KnnAnswer topGroups(final Collection<KnnAnswer> answers, final Metric metric, final int k) {
        List<List<ScoredChunk>> groups = new ArrayList<>();
        answers.forEach(answer -> groups.addAll(groups(answer.hits())));
        Comparator<ScoredChunk> order = ScoredChunk.order(metric);
        groups.sort((a, b) -> order.compare(a.getFirst(), b.getFirst()));
        List<ScoredChunk> top = new ArrayList<>();
        groups.stream().limit(k).forEach(top::addAll);
        return answeredBy(answers, top);
    }

    /** The runs of one document's hits in a grouped answer, in order. */
    static List<List<ScoredChunk>> groups(final List<ScoredChunk> hits) {
        List<List<ScoredChunk>> groups = new ArrayList<>();
        for (ScoredChunk hit : hits) {
            if (groups.isEmpty() || !groups.getLast().getFirst().chunk().documentId().equals(hit.chunk().documentId())) {
                groups.add(new ArrayList<>());
            }
            groups.getLast().add(hit);
        }
        return groups;
    }

    private static KnnAnswer answeredBy(final Collection<KnnAnswer> answers, final List<ScoredChunk> hits) {
        Set<String> indexes = new TreeSet<>();
        Set<String> strategies = new TreeSet<>();
        boolean exhaustive = true;
        for (KnnAnswer answer : answers) {
            indexes.add(answer.index());
            strategies.add(answer.strategy());
            exhaustive &= answer.exhaustive();
        }
        return new KnnAnswer(hits, String.join("+", indexes), String.join("+", strategies), exhaustive);
    }
}
