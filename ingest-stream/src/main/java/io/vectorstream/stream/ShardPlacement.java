package io.vectorstream.stream;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Where the shards are, as the last rebalance assigned them.
 *
 * @param self         this instance's {@code application.server}
 * @param active       by shard, the instance that has it active (absent while none has)
 * @param standby      by shard, the instances that keep a standby copy
 * @param localActive  the shards active on this instance
 * @param localStandby the shards this instance keeps standby copies of
 */
public record ShardPlacement(HostInfo self, Map<Integer, HostInfo> active, Map<Integer, List<HostInfo>> standby,
                             Set<Integer> localActive, Set<Integer> localStandby) {

    public ShardPlacement {
        active = Map.copyOf(active);
        standby = Map.copyOf(standby);
        localActive = Set.copyOf(localActive);
        localStandby = Set.copyOf(localStandby);
    }

    /** The standby hosts of {@code shard}, none if it has none. */
    public List<HostInfo> standbyOf(final int shard) {
        return standby.getOrDefault(shard, List.of());
    }
}
