package io.vectorstream.cluster;

import io.vectorstream.stream.ShardAnswers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Sends shard queries to other instances of the application over their internal endpoint
 * ({@value #PATH}): one HTTP/1.1 connection pool, kept alive, so that a search's hop to a peer
 * costs a request, not a connection. Every failure (refused, timed out, an error status, a body
 * it cannot read) comes back as shards missing with the reason, never as an exception: callers
 * decide what a missing shard means.
 */
public final class PeerClient implements AutoCloseable {

    /** The internal endpoint every instance serves. */
    public static final String PATH = "/internal/v1/shards";
    /** The header that carries the cluster secret. */
    public static final String SECRET_HEADER = "X-Cluster-Secret";
    public static final String CONTENT_TYPE = "application/x-vectorstream-shards";

    private final ClusterSecret secret;
    private final ExecutorService executor;
    private final HttpClient http;

    public PeerClient(final ClusterSecret secret) {
        this.secret = secret;
        // The client's own threads hand responses over; virtual threads keep many peers cheap.
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .executor(executor)
                .build();
    }

    /**
     * Asks {@code peer} for its answers to {@code request}.
     *
     * @param timeout how long the whole exchange may take
     */
    public <R> CompletableFuture<ShardAnswers<R>> ask(final HostInfo peer, final PeerRequest<R> request,
                                                      final Duration timeout) {
        HttpRequest.Builder http = HttpRequest.newBuilder(URI.create("http://" + peer.host() + ":" + peer.port() + PATH))
                .timeout(timeout)
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(ShardWire.encode(request)));
        secret.value().ifPresent(value -> http.header(SECRET_HEADER, value));
        String who = peer.host() + ":" + peer.port();
        return this.http.sendAsync(http.build(), HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(response -> {
                    if (response.statusCode() != 200) {
                        return ShardAnswers.<R>none(request.partitions(), "instance " + who + " answered "
                                + response.statusCode() + reasonOf(response));
                    }
                    try {
                        return ShardWire.decodeAnswer(request.query(), response.body());
                    } catch (ShardWire.MalformedException e) {
                        return ShardAnswers.<R>none(request.partitions(), "instance " + who + ": " + e.getMessage());
                    }
                })
                .exceptionally(failure -> ShardAnswers.none(request.partitions(), "instance " + who + " "
                        + describe(failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure, timeout)));
    }

    private static String reasonOf(final HttpResponse<byte[]> response) {
        if (response.statusCode() == 401) {
            return " (its cluster secret is not this instance's: set the same --cluster-secret on every instance)";
        }
        return "";
    }

    private static String describe(final Throwable failure, final Duration timeout) {
        if (failure instanceof HttpTimeoutException) {
            return "did not answer within " + timeout.toMillis() + " ms";
        }
        return "cannot be reached (" + failure.getClass().getSimpleName()
                + (failure.getMessage() == null ? "" : ": " + failure.getMessage()) + ")";
    }

    @Override
    public void close() {
        http.close();
        executor.shutdownNow();
    }
}
