package io.vectorstream.cluster;

import io.vectorstream.store.ShardQuery;
import io.vectorstream.stream.ShardAnswers;
import io.vectorstream.stream.ShardClient;
import io.vectorstream.stream.ShardPlacement;
import io.vectorstream.util.Pause;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks shards wherever they are hosted: this instance's with IQv2, every other instance's with one
 * internal request per instance (not per shard), all at once, within a deadline. What cannot be
 * asked or does not answer comes back as missing shards with the reason; while a rebalance moves
 * shards, the missing ones are asked again, where they are then, until the deadline.
 */
public final class ClusterShards implements AutoCloseable {

    /** How long to let a rebalance move on before asking missing shards again. */
    private static final long RETRY_PAUSE_MILLIS = 100;

    private final ShardClient local;
    private final ParallelShards parallel;
    private final PeerClient peers;
    private final ClusterSecret secret;

    /** @param parallel how this instance's shards are searched at once (closed with this) */
    public ClusterShards(final ShardClient local, final ParallelShards parallel, final PeerClient peers,
                         final ClusterSecret secret) {
        this.local = local;
        this.parallel = parallel;
        this.peers = peers;
        this.secret = secret;
    }

    /** Every shard: 0 to {@link #shardCount} - 1. */
    public Set<Integer> allShards() {
        return local.allShards();
    }

    public int shardCount() {
        return local.shardCount();
    }

    /** Where the shards are now. */
    public ShardPlacement placement() {
        return local.placement();
    }

    /** This instance's shard copies and how far behind their changelogs they are. */
    public ShardClient local() {
        return local;
    }

    /**
     * The answers of {@code partitions} (all shards when null) to {@code query}.
     *
     * @return every shard's answer, or those that answered and why the others did not
     */
    public <R> ShardAnswers<R> ask(final ShardQuery<R> query, final Set<Integer> partitions, final ReadOptions options) {
        long deadline = System.nanoTime() + options.deadline().toNanos();
        Set<Integer> wanted = partitions == null ? local.allShards() : partitions;
        ShardAnswers<R> answers = askOnce(query, wanted, options, deadline);
        while (!answers.isComplete() && System.nanoTime() + RETRY_PAUSE_MILLIS * 1_000_000 < deadline) {
            options.waiting().during(() -> Pause.millis(RETRY_PAUSE_MILLIS, "a rebalance"));
            answers = answers.retriedAs(askOnce(query, answers.missing(), options, deadline));
        }
        return answers;
    }

    private <R> ShardAnswers<R> askOnce(final ShardQuery<R> query, final Set<Integer> wanted, final ReadOptions options,
                                        final long deadline) {
        ShardPlacement placement = local.placement();
        Set<Integer> here = new TreeSet<>();
        Map<HostInfo, Set<Integer>> there = new TreeMap<>(ClusterShards::byAddress);
        Set<Integer> unplaced = new TreeSet<>();
        for (int shard : wanted) {
            HostInfo host = placement.active().get(shard);
            if (placement.localActive().contains(shard)) {
                here.add(shard);
            } else if (host != null && !host.equals(placement.self())) {
                there.computeIfAbsent(host, h -> new TreeSet<>()).add(shard);
            } else {
                unplaced.add(shard);
            }
        }
        ShardAnswers<R> answers = ShardAnswers.<R>none(unplaced, "shards " + unplaced
                + " have no active instance now (the application is starting or rebalancing)")
                .and(ask(query, here, there, options, deadline));
        if (!answers.isComplete() && options.maxLagOffsets() >= 0) {
            // An instance that died is still the active host until the group notices (its session
            // times out): a warm standby copy answers for its shards meanwhile.
            answers = answers.and(askStandbys(query, answers.missing(), placement, options, deadline));
        }
        return answers;
    }

    private <R> ShardAnswers<R> askStandbys(final ShardQuery<R> query, final Set<Integer> shards,
                                            final ShardPlacement placement, final ReadOptions options,
                                            final long deadline) {
        Set<Integer> here = new TreeSet<>();
        Map<HostInfo, Set<Integer>> there = new TreeMap<>(ClusterShards::byAddress);
        for (int shard : shards) {
            HostInfo standby = placement.standbyOf(shard).stream()
                    .filter(host -> !host.equals(placement.self())).findFirst().orElse(null);
            if (placement.localStandby().contains(shard)) {
                here.add(shard);
            } else if (standby != null) {
                there.computeIfAbsent(standby, h -> new TreeSet<>()).add(shard);
            }
        }
        return ask(query, here, there, options, deadline);
    }

    /** Asks {@code here} of this instance and {@code there} of the others, all at once. */
    private <R> ShardAnswers<R> ask(final ShardQuery<R> query, final Set<Integer> here,
                                    final Map<HostInfo, Set<Integer>> there, final ReadOptions options,
                                    final long deadline) {
        ShardAnswers<R> answers = ShardAnswers.none(Set.of(), null);
        Map<HostInfo, Set<Integer>> peersToAsk = there;
        if (!there.isEmpty() && !secret.allowsPeers()) {
            Set<Integer> remote = new TreeSet<>();
            there.values().forEach(remote::addAll);
            answers = ShardAnswers.none(remote, "shards " + remote + " are on other instances " + there.keySet()
                    + ", and this instance has no cluster secret to ask them with: set the same --cluster-secret on "
                    + "every instance (or --insecure-cluster on a trusted network)");
            peersToAsk = Map.of();
        }
        Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000));
        // Shards wait for the token within the deadline; a peer waits itself, so its answer may
        // take that wait on top of the hop.
        Duration tokenWait = options.tokenWait().compareTo(left) < 0 ? options.tokenWait() : left;
        Duration peerTimeout = options.token() == null ? left : left.plus(tokenWait);
        // Every peer gets its request first, then this instance searches its own shards while they
        // search theirs, then their answers are read.
        List<PeerClient.Exchange<R>> remote = new ArrayList<>();
        peersToAsk.forEach((host, shards) -> remote.add(peers.send(host, new PeerRequest<>(query, shards,
                options.token(), tokenWait.toMillis(), options.maxLagOffsets()), peerTimeout)));
        answers = answers.and(answerHere(query, here, options.withToken(options.token(), tokenWait)));
        if (remote.isEmpty()) {
            return answers;
        }
        // The read's own work is done but for merging: the place is not taken again after this wait
        // (a retry after a rebalance pause takes one again before it asks shards anew).
        options.waiting().leave();
        return answers.and(answersOf(remote));
    }

    private static <R> ShardAnswers<R> answersOf(final List<PeerClient.Exchange<R>> remote) {
        ShardAnswers<R> answers = ShardAnswers.none(Set.of(), null);
        for (PeerClient.Exchange<R> exchange : remote) {
            answers = answers.and(exchange.answer()); // never fails: failures are missing shards
        }
        return answers;
    }

    /**
     * This instance's answers for {@code shards}, once they have applied the request's token: what
     * the internal endpoint answers peers with, too.
     */
    public <R> ShardAnswers<R> answerHere(final ShardQuery<R> query, final Set<Integer> shards,
                                          final ReadOptions options) {
        if (shards.isEmpty()) {
            return ShardAnswers.none(Set.of(), null);
        }
        if (options.token() != null && !local.awaitApplied(options.token(), shards, options.tokenWait())) {
            return ShardAnswers.none(shards, "shards " + shards + " on " + local.placement().self()
                    + " have not applied the write " + options.token() + " yet");
        }
        // Shard by shard only where every one is active here: a standby copy's answer needs its lag,
        // read from the broker once per call.
        boolean apart = query.scans() && local.placement().localActive().containsAll(shards);
        return apart ? parallel.ask(shards, some -> local.answer(query, some, options.maxLagOffsets()))
                : local.answer(query, shards, options.maxLagOffsets());
    }

    /** Stops the helper threads of the parallel shard search. */
    @Override
    public void close() {
        parallel.close();
    }

    private static int byAddress(final HostInfo a, final HostInfo b) {
        int byHost = a.host().compareTo(b.host());
        return byHost != 0 ? byHost : Integer.compare(a.port(), b.port());
    }
}
