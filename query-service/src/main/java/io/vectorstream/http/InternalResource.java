package io.vectorstream.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.vectorstream.cluster.ClusterSecret;
import io.vectorstream.cluster.ClusterShards;
import io.vectorstream.cluster.PeerClient;
import io.vectorstream.cluster.PeerRequest;
import io.vectorstream.cluster.ReadOptions;
import io.vectorstream.cluster.ShardWire;
import io.vectorstream.stream.ShardAnswers;
import java.time.Duration;

/**
 * {@code POST /internal/v1/shards}: another instance of the application asks this one's shards
 * ({@link ShardWire} bodies both ways). Only with the cluster secret: anything else is a 401.
 */
final class InternalResource implements HttpService {

    static final String ROOT = "/internal/v1";
    /** The longest a peer may ask this instance to wait for a token. */
    private static final Duration MAX_TOKEN_WAIT = Duration.ofSeconds(60);

    private final ClusterShards shards;
    private final ClusterSecret secret;

    InternalResource(final ClusterShards shards, final ClusterSecret secret) {
        this.shards = shards;
        this.secret = secret;
    }

    @Override
    public void routing(final HttpRules rules) {
        rules.post("/shards", this::answer);
    }

    private void answer(final ServerRequest req, final ServerResponse res) {
        String presented = req.headers().first(HeaderNames.create(PeerClient.SECRET_HEADER)).orElse(null);
        if (!secret.admits(presented)) {
            throw new ApiException(401, "unauthorized", secret.allowsPeers()
                    ? "the internal endpoint needs this cluster's secret (header " + PeerClient.SECRET_HEADER + ")"
                    : "this instance has no cluster secret: it serves no other instance (set --cluster-secret)", null);
        }
        PeerRequest<?> request;
        try {
            request = ShardWire.decodeRequest(req.content().as(byte[].class));
        } catch (ShardWire.MalformedException e) {
            throw ApiException.badRequest(e.getMessage(), null);
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, PeerClient.CONTENT_TYPE);
        res.send(answerOf(request));
    }

    private <R> byte[] answerOf(final PeerRequest<R> request) {
        Duration wait = Duration.ofMillis(Math.clamp(request.waitMillis(), 0, MAX_TOKEN_WAIT.toMillis()));
        ShardAnswers<R> answers = shards.answerHere(request.query(), request.partitions(),
                new ReadOptions(request.token(), wait, request.maxLagOffsets(), wait));
        return ShardWire.encode(request.query(), answers);
    }
}
