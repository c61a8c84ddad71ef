package io.vectorstream.stream;

import io.vectorstream.store.ShardQuery;
import io.vectorstream.store.WatermarkSignal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks the shard stores of this instance (interactive queries, IQv2), waits for read-your-writes
 * tokens, and says where every shard is hosted in the application ({@link #placement}): the
 * cluster layer of the HTTP service sends what this instance does not host to its peers.
 */
public final class ShardClient {

    private final KafkaStreams streams;
    private final Set<Integer> allShards;
    private final String shardTopic;
    private final HostInfo self;

    /**
     * @param shardCount        partitions of {@code vectorstream.chunks}
     * @param shardTopic        {@code vectorstream.chunks}: its partitions are the shards
     * @param applicationServer this instance's {@code application.server} (host:port)
     */
    public ShardClient(final KafkaStreams streams, final int shardCount, final String shardTopic,
                       final String applicationServer) {
        this.streams = streams;
        this.allShards = IntStream.range(0, shardCount).boxed()
                .collect(Collectors.toUnmodifiableSet());
        this.shardTopic = shardTopic;
        this.self = HostInfo.buildFromEndpoint(applicationServer);
    }

    /** Every shard: 0 to {@link #shardCount} - 1. */
    public Set<Integer> allShards() {
        return allShards;
    }

    /**
     * Where the shards are now, as the last rebalance assigned them: which instance has each one
     * active, which keep standby copies, and which of them this instance has.
     */
    public ShardPlacement placement() {
        Map<Integer, HostInfo> active = new HashMap<>();
        Map<Integer, List<HostInfo>> standby = new HashMap<>();
        if (!streams.state().isRunningOrRebalancing()) {
            // Kafka Streams tells where shards are only while it runs: nothing is placed yet (or any more).
            return new ShardPlacement(self, active, standby, Set.of(), Set.of());
        }
        for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
            if (!instance.stateStoreNames().contains(VectorstreamTopology.SHARD_STORE)
                    && !instance.standbyStateStoreNames().contains(VectorstreamTopology.SHARD_STORE)) {
                continue;
            }
            for (TopicPartition partition : instance.topicPartitions()) {
                if (partition.topic().equals(shardTopic)) {
                    active.put(partition.partition(), instance.hostInfo());
                }
            }
            for (TopicPartition partition : instance.standbyTopicPartitions()) {
                if (partition.topic().equals(shardTopic)) {
                    standby.computeIfAbsent(partition.partition(), p -> new ArrayList<>()).add(instance.hostInfo());
                }
            }
        }
        Set<Integer> localActive = new TreeSet<>();
        Set<Integer> localStandby = new TreeSet<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            thread.activeTasks().forEach(task -> shardsOf(task, localActive));
            thread.standbyTasks().forEach(task -> shardsOf(task, localStandby));
        }
        return new ShardPlacement(self, active, standby, localActive, localStandby);
    }

    private void shardsOf(final TaskMetadata task, final Set<Integer> into) {
        for (TopicPartition partition : task.topicPartitions()) {
            if (partition.topic().equals(shardTopic)) {
                into.add(partition.partition());
            }
        }
    }

    /**
     * How far each shard copy this instance has (active, standby or restoring) is behind its
     * changelog's end, in records.
     */
    public Map<Integer, Long> localLags() {
        if (!streams.state().isRunningOrRebalancing()) {
            return Map.of();
        }
        Map<Integer, LagInfo> lags = streams.allLocalStorePartitionLags().getOrDefault(VectorstreamTopology.SHARD_STORE,
                Map.of());
        Map<Integer, Long> out = new TreeMap<>();
        lags.forEach((partition, lag) -> out.put(partition, lag.offsetLag()));
        return out;
    }

    /**
     * The answers of the given shards of this instance, and those that cannot answer here.
     *
     * @param maxLagOffsets -1: active shards only; otherwise a standby or restoring copy answers
     *                      too when it is at most this many changelog records behind (its lag is
     *                      read from the broker: only for shards that are not active here)
     * @throws IllegalStateException if a shard failed to answer: a bug, not a state to wait out
     */
    public <R> ShardAnswers<R> answer(final ShardQuery<R> query, final Set<Integer> partitions,
                                      final long maxLagOffsets) {
        if (partitions.isEmpty()) {
            return ShardAnswers.none(Set.of(), null);
        }
        if (!streams.state().isRunningOrRebalancing()) {
            return ShardAnswers.none(partitions, "instance " + self + " is " + streams.state());
        }
        if (maxLagOffsets < 0) {
            return ask(query, partitions, true);
        }
        Set<Integer> active = new TreeSet<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            thread.activeTasks().forEach(task -> shardsOf(task, active));
        }
        active.retainAll(partitions);
        Set<Integer> others = new TreeSet<>(partitions);
        others.removeAll(active);
        ShardAnswers<R> answers = ask(query, active, true);
        if (others.isEmpty()) {
            return answers;
        }
        Map<Integer, Long> lags = localLags();
        Set<Integer> closeEnough = new TreeSet<>();
        for (int partition : others) {
            Long lag = lags.get(partition);
            if (lag != null && lag <= maxLagOffsets) {
                closeEnough.add(partition);
            }
        }
        others.removeAll(closeEnough);
        return answers.and(ask(query, closeEnough, false)).and(ShardAnswers.none(others, "shards " + others
                + " have no copy on " + self + " within " + maxLagOffsets + " records of their changelogs"));
    }

    /** One IQv2 request for {@code partitions}; {@code active}: of active copies only. */
    private <R> ShardAnswers<R> ask(final ShardQuery<R> query, final Set<Integer> partitions, final boolean active) {
        if (partitions.isEmpty()) {
            return ShardAnswers.none(Set.of(), null);
        }
        StateQueryRequest<R> request = StateQueryRequest.inStore(VectorstreamTopology.SHARD_STORE).withQuery(query)
                .withPartitions(partitions);
        StateQueryResult<R> result;
        try {
            result = streams.query(active ? request.requireActive() : request);
        } catch (RuntimeException e) {
            // Kafka Streams' message names its internals; callers show this one to clients.
            return ShardAnswers.none(partitions, "instance " + self + " cannot be queried now (rebalancing or starting)");
        }
        Map<Integer, R> answers = new HashMap<>();
        Set<Integer> missing = new TreeSet<>();
        String why = null;
        for (int partition : partitions) {
            QueryResult<R> shard = result.getPartitionResults().get(partition);
            if (shard == null) {
                missing.add(partition);
                why = "shard " + partition + " is not hosted on " + self;
            } else if (shard.isFailure()) {
                switch (shard.getFailureReason()) {
                    case NOT_ACTIVE, NOT_PRESENT, NOT_UP_TO_BOUND -> {
                        missing.add(partition);
                        why = "shard " + partition + " is not " + (active ? "active" : "present") + " on " + self
                                + " (" + shard.getFailureReason() + ")";
                    }
                    default -> throw new IllegalStateException("shard " + partition + ": " + shard.getFailureReason()
                            + " " + shard.getFailureMessage());
                }
            } else {
                answers.put(partition, shard.getResult());
            }
        }
        return new ShardAnswers<>(answers, missing, missing.isEmpty() ? null : why);
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
