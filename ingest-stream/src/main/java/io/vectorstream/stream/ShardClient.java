package io.vectorstream.stream;

import io.vectorstream.store.ShardQuery;
import io.vectorstream.store.WatermarkSignal;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;

/**
 * Asks the shard stores (interactive queries, IQv2) and waits for read-your-writes tokens. Every
 * shard must answer (partial answers are errors, never silently smaller results); callers merge
 * the answers. For now this instance must host every shard: fan-out to peers comes later.
 */
public final class ShardClient {

    private final KafkaStreams streams;
    private final Set<Integer> allShards;

    /** @param shardCount partitions of {@code vectorstream.chunks} */
    public ShardClient(final KafkaStreams streams, final int shardCount) {
        this.streams = streams;
        this.allShards = IntStream.range(0, shardCount).boxed()
                .collect(Collectors.toUnmodifiableSet());
    }

    /** How many shards there are (partitions of {@code vectorstream.chunks}). */
    public int shardCount() {
        return allShards.size();
    }

    /** Whether the Streams instance is running, so its stores can answer. */
    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /**
     * The answers of the shards, by partition.
     *
     * @param partitions the shards to ask, or {@code null} for all of them
     * @throws ShardUnavailableException if a shard is not active here (for example during a rebalance)
     * @throws IllegalStateException     if a shard failed to answer: a bug, not a state to wait out
     */
    public <R> Map<Integer, R> query(final ShardQuery<R> query, final Set<Integer> partitions) {
        Set<Integer> wanted = partitions == null ? allShards : partitions;
        StateQueryRequest<R> request = StateQueryRequest.inStore(VectorstreamTopology.SHARD_STORE).withQuery(query)
                .requireActive().withPartitions(wanted);
        StateQueryResult<R> result;
        try {
            result = streams.query(request);
        } catch (RuntimeException e) {
            // Kafka Streams' message names its internals; callers show this one to clients.
            throw new ShardUnavailableException("the shards cannot be queried now (rebalancing or starting)", e);
        }
        Map<Integer, R> answers = new HashMap<>();
        for (Map.Entry<Integer, QueryResult<R>> entry : result.getPartitionResults().entrySet()) {
            QueryResult<R> shard = entry.getValue();
            if (shard.isFailure()) {
                String why = "shard " + entry.getKey() + ": " + shard.getFailureReason() + " " + shard.getFailureMessage();
                switch (shard.getFailureReason()) {
                    case NOT_ACTIVE, NOT_PRESENT, NOT_UP_TO_BOUND -> throw new ShardUnavailableException(why, null);
                    default -> throw new IllegalStateException(why);
                }
            }
            answers.put(entry.getKey(), shard.getResult());
        }
        if (!answers.keySet().containsAll(wanted)) {
            throw new ShardUnavailableException("shards " + wanted + " are not all active here (answered: "
                    + answers.keySet() + ")", null);
        }
        return answers;
    }

    /**
     * Waits until the given shards (all when {@code null}) have applied everything the token names:
     * looks again whenever a shard of this process applies a watermark ({@link
     * io.vectorstream.store.WatermarkSignal}), not on a timer.
     *
     * @return whether they had within the timeout
     */
    public boolean awaitApplied(final ConsistencyToken token, final Set<Integer> partitions, final Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long seen = WatermarkSignal.moves();
            Map<Integer, Map<Integer, Long>> watermarks;
            try {
                watermarks = query(new ShardQuery.Watermarks(), partitions);
            } catch (ShardUnavailableException e) {
                watermarks = Map.of();
            }
            if (!watermarks.isEmpty() && watermarks.values().stream().allMatch(token::isSatisfiedBy)) {
                // query() answered for every wanted shard, or threw.
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                // Woken when a watermark moves; at least every 100 ms anyway, since a shard that was
                // not answering (mid-rebalance) may answer now without any move.
                WatermarkSignal.awaitMoveAfter(seen, Math.min(left, RECHECK_NANOS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** A shard that should answer cannot. */
    public static final class ShardUnavailableException extends RuntimeException {
        public ShardUnavailableException(final String message, final Throwable cause) {
            super(message, cause);
        }
    }
}
