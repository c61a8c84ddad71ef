package io.vectorstream.stream;

import io.vectorstream.store.ShardQuery;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;

/**
 * Asks this instance's shard stores (interactive queries, IQv2) and waits for read-your-writes
 * tokens. Every active shard of this instance answers; callers merge the answers.
 */
public final class ShardClient {

    private final KafkaStreams streams;

    public ShardClient(final KafkaStreams streams) {
        this.streams = streams;
    }

    /** Whether the Streams instance is running, so its stores can answer. */
    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /**
     * The answers of the local active shards, by partition.
     *
     * @param partitions the shards to ask, or {@code null} for all local ones
     * @throws ShardUnavailableException if a shard could not answer (for example during a rebalance)
     */
    public <R> Map<Integer, R> query(final ShardQuery<R> query, final Set<Integer> partitions) {
        StateQueryRequest<R> request = StateQueryRequest.inStore(VectorstreamTopology.SHARD_STORE).withQuery(query)
                .requireActive();
        if (partitions != null) {
            request = request.withPartitions(partitions);
        }
        StateQueryResult<R> result;
        try {
            result = streams.query(request);
        } catch (RuntimeException e) {
            throw new ShardUnavailableException("shards cannot be queried: " + e.getMessage(), e);
        }
        Map<Integer, R> answers = new HashMap<>();
        for (Map.Entry<Integer, QueryResult<R>> entry : result.getPartitionResults().entrySet()) {
            QueryResult<R> shard = entry.getValue();
            if (shard.isFailure()) {
                throw new ShardUnavailableException("shard " + entry.getKey() + " failed: " + shard.getFailureReason()
                        + " " + shard.getFailureMessage(), null);
            }
            answers.put(entry.getKey(), shard.getResult());
        }
        if (partitions != null && !answers.keySet().containsAll(partitions)) {
            throw new ShardUnavailableException("shards " + partitions + " are not all active here", null);
        }
        return answers;
    }

    /**
     * Waits until the given shards (all local ones when {@code null}) have applied everything the
     * token names.
     *
     * @return whether they had within the timeout
     */
    public boolean awaitApplied(final ConsistencyToken token, final Set<Integer> partitions, final Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseMillis = 1;
        while (true) {
            Map<Integer, Map<Integer, Long>> watermarks;
            try {
                watermarks = query(new ShardQuery.Watermarks(), partitions);
            } catch (ShardUnavailableException e) {
                watermarks = Map.of();
            }
            if (!watermarks.isEmpty() && watermarks.values().stream().allMatch(token::isSatisfiedBy)) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            pauseMillis = Math.min(20, pauseMillis * 2);
        }
    }

    /** A shard that should answer cannot. */
    public static final class ShardUnavailableException extends RuntimeException {
        public ShardUnavailableException(final String message, final Throwable cause) {
            super(message, cause);
        }
    }
}
