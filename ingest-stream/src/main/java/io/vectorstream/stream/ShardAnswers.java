package io.vectorstream.stream;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The answers of some shards to one query, and the shards that did not answer: callers decide
 * whether a missing shard makes the whole answer fail (counts, listings) or partial (search).
 *
 * @param results by shard, for the shards that answered
 * @param missing shards that were asked and did not answer
 * @param why     why they did not (null when none is missing)
 */
public record ShardAnswers<R>(Map<Integer, R> results, Set<Integer> missing, String why) {

    public ShardAnswers {
        results = Map.copyOf(results);
        missing = Set.copyOf(missing);
    }

    /** No shard answered, for one reason. */
    public static <R> ShardAnswers<R> none(final Set<Integer> shards, final String why) {
        return new ShardAnswers<>(Map.of(), shards, shards.isEmpty() ? null : why);
    }

    public boolean isComplete() {
        return missing.isEmpty();
    }

    /**
     * These answers with the missing shards asked again: their answers added, and what is still
     * missing and why as the retry says (not every earlier attempt's reason over again).
     */
    public ShardAnswers<R> retriedAs(final ShardAnswers<R> retry) {
        Map<Integer, R> all = new HashMap<>(results);
        all.putAll(retry.results);
        return new ShardAnswers<>(all, retry.missing, retry.why);
    }

    /** These answers and {@code other}'s, of other shards; the reasons of both when shards are missing. */
    public ShardAnswers<R> and(final ShardAnswers<R> other) {
        Map<Integer, R> all = new HashMap<>(results);
        all.putAll(other.results);
        Set<Integer> gone = new HashSet<>(missing);
        gone.addAll(other.missing);
        gone.removeAll(all.keySet());
        String reasons = why == null ? other.why : other.why == null ? why : why + "; " + other.why;
        return new ShardAnswers<>(all, gone, gone.isEmpty() ? null : reasons);
    }
}
