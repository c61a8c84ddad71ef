package io.vectorstream.cluster;

import io.vectorstream.stream.ConsistencyToken;
import java.time.Duration;

/**
 * How a read across the cluster goes.
 *
 * @param token         a write every shard read must have applied first, or null
 * @param tokenWait     how long the shards may take to apply it
 * @param maxLagOffsets -1: active shards only; otherwise a standby or restoring copy may answer for
 *                      a shard whose active copy cannot, when at most this many records behind
 * @param deadline      how long the read may take in all, retries during a rebalance included
 * @param waiting       what the read gives up while it only waits for peers or a rebalance
 */
public record ReadOptions(ConsistencyToken token, Duration tokenWait, long maxLagOffsets, Duration deadline,
                          Waiting waiting) {

    /** A read that holds nothing to give up while it waits. */
    public ReadOptions(final ConsistencyToken token, final Duration tokenWait, final long maxLagOffsets,
                       final Duration deadline) {
        this(token, tokenWait, maxLagOffsets, deadline, Waiting.NOTHING);
    }

    /** Active shards, no token, within {@code deadline}. */
    public static ReadOptions fresh(final Duration deadline) {
        return new ReadOptions(null, Duration.ZERO, -1, deadline);
    }

    public ReadOptions withToken(final ConsistencyToken t, final Duration wait) {
        return new ReadOptions(t, wait, maxLagOffsets, deadline, waiting);
    }

    public ReadOptions withMaxLag(final long offsets) {
        return new ReadOptions(token, tokenWait, offsets, deadline, waiting);
    }

    public ReadOptions withWaiting(final Waiting w) {
        return new ReadOptions(token, tokenWait, maxLagOffsets, deadline, w);
    }
}
