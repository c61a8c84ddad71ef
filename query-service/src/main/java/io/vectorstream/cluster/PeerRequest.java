package io.vectorstream.cluster;

import io.vectorstream.store.ShardQuery;
import io.vectorstream.stream.ConsistencyToken;
import java.util.Set;

/**
 * What one instance asks another for: a query of some of the shards that instance hosts.
 *
 * @param partitions    the shards to answer
 * @param token         a write the shards must have applied before they answer, or null
 * @param waitMillis    how long the token may be waited for
 * @param maxLagOffsets -1: active shards only; otherwise a standby or restoring copy may answer
 *                      when it is at most this many changelog records behind
 */
public record PeerRequest<R>(ShardQuery<R> query, Set<Integer> partitions, ConsistencyToken token, long waitMillis,
                             long maxLagOffsets) {

    public PeerRequest {
        partitions = Set.copyOf(partitions);
    }
}
