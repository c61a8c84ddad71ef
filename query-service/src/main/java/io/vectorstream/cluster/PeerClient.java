package io.vectorstream.cluster;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.http1.Http1Client;
import io.vectorstream.stream.ShardAnswers;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Sends shard queries to other instances of the application over their internal endpoint
 * ({@value #PATH}). Helidon's blocking HTTP/1.1 client, each exchange on a virtual thread of its
 * own (peers are asked at once), connections kept alive: a search's hop to a peer costs a
 * request, not a connection, and no hand-over between threads but the one to the virtual thread.
 * Every failure (refused, timed out, an error status, a body it cannot read) comes back as shards
 * missing with the reason, never as an exception: callers decide what a missing shard means.
 */
public final class PeerClient implements AutoCloseable {

    /** The internal endpoint every instance serves. */
    public static final String PATH = "/internal/v1/shards";
    /** The header that carries the cluster secret. */
    public static final String SECRET_HEADER = "X-Cluster-Secret";
    public static final String CONTENT_TYPE = "application/x-vectorstream-shards";

    private final ClusterSecret secret;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Http1Client http = Http1Client.builder()
            .connectTimeout(Duration.ofSeconds(2))
            .keepAlive(true)
            .build();

    public PeerClient(final ClusterSecret secret) {
        this.secret = secret;
    }

    /**
     * Asks {@code peer} for its answers to {@code request}.
     *
     * @param timeout how long the answer may take to come
     */
    public <R> CompletableFuture<ShardAnswers<R>> ask(final HostInfo peer, final PeerRequest<R> request,
                                                      final Duration timeout) {
        byte[] body = ShardWire.encode(request);
        String who = peer.host() + ":" + peer.port();
        return CompletableFuture.supplyAsync(() -> exchange(who, request, body, timeout), executor);
    }

    private <R> ShardAnswers<R> exchange(final String who, final PeerRequest<R> request, final byte[] body,
                                         final Duration timeout) {
        var post = http.post("http://" + who + PATH)
                .readTimeout(timeout)
                .header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        secret.value().ifPresent(value -> post.header(HeaderNames.create(SECRET_HEADER), value));
        try (HttpClientResponse response = post.submit(body)) {
            byte[] answer = response.entity().as(byte[].class);
            if (response.status().code() != 200) {
                return ShardAnswers.none(request.partitions(), "instance " + who + " answered "
                        + response.status().code() + (response.status().code() == 401
                        ? " (its cluster secret is not this instance's: set the same --cluster-secret on every instance)"
                        : ""));
            }
            return ShardWire.decodeAnswer(request.query(), answer);
        } catch (ShardWire.MalformedException e) {
            return ShardAnswers.none(request.partitions(), "instance " + who + ": " + e.getMessage());
        } catch (RuntimeException e) {
            return ShardAnswers.none(request.partitions(), "instance " + who + " " + describe(e, timeout));
        }
    }

    private static String describe(final RuntimeException failure, final Duration timeout) {
        Throwable cause = failure instanceof UncheckedIOException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof SocketTimeoutException) {
            return "did not answer within " + timeout.toMillis() + " ms";
        }
        return "cannot be reached (" + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")";
    }

    @Override
    public void close() {
        executor.shutdownNow();
        http.closeResource();
    }
}
