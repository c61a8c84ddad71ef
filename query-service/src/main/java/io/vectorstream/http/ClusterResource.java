package io.vectorstream.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;
import io.vectorstream.cluster.ClusterShards;
import io.vectorstream.schema.Json;
import io.vectorstream.stream.ShardPlacement;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;

/**
 * {@code GET /v1/cluster}: the instances of the application as this instance sees them, the shards
 * each hosts (active and standby), and how far behind this instance's copies are.
 */
final class ClusterResource implements HttpService {

    static final String ROOT = "/v1/cluster";

    private final ClusterShards shards;
    private final Supplier<String> state;

    /** @param state this instance's Kafka Streams state */
    ClusterResource(final ClusterShards shards, final Supplier<String> state) {
        this.shards = shards;
        this.state = state;
    }

    @Override
    public void routing(final HttpRules rules) {
        rules.get("/", (req, res) -> describe(res));
    }

    private void describe(final ServerResponse res) {
        ShardPlacement placement = shards.placement();
        Map<String, Set<Integer>> active = new TreeMap<>();
        Map<String, Set<Integer>> standby = new TreeMap<>();
        placement.active().forEach((shard, host) -> active.computeIfAbsent(address(host), h -> new TreeSet<>()).add(shard));
        placement.standby().forEach((shard, hosts) -> hosts.forEach(host ->
                standby.computeIfAbsent(address(host), h -> new TreeSet<>()).add(shard)));
        Set<String> instances = new TreeSet<>(active.keySet());
        instances.addAll(standby.keySet());
        instances.add(address(placement.self()));
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("self", address(placement.self()));
        body.put("state", state.get());
        body.put("shards", shards.shardCount());
        ArrayNode list = body.putArray("instances");
        for (String instance : instances) {
            ObjectNode node = list.addObject();
            node.put("address", instance);
            node.put("self", instance.equals(address(placement.self())));
            ints(node.putArray("active"), active.getOrDefault(instance, Set.of()));
            ints(node.putArray("standby"), standby.getOrDefault(instance, Set.of()));
        }
        Set<Integer> unassigned = new TreeSet<>(shards.allShards());
        unassigned.removeAll(placement.active().keySet());
        ints(body.putArray("unassigned"), unassigned);
        ObjectNode lags = body.putObject("localLags");
        shards.local().localLags().forEach((shard, lag) -> lags.put(Integer.toString(shard), lag));
        Responses.json(res, 200, body);
    }

    private static String address(final HostInfo host) {
        return host.host() + ":" + host.port();
    }

    private static void ints(final ArrayNode array, final Set<Integer> values) {
        new TreeSet<>(values).forEach(array::add);
    }
}
