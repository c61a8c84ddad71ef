package io.vectorstream.cluster;

import io.vectorstream.stream.ShardAnswers;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Sends shard queries to other instances of the application over their internal endpoint
 * ({@value #PATH}), as HTTP/1.1 on kept-alive connections, in two steps: {@link #send} writes the
 * request and returns at once, {@link Exchange#answer} reads the answer. A fan-out sends to every
 * peer, searches this instance's shards meanwhile, then reads: the peers work while this instance
 * does, and no thread is handed the exchange (a hand-over to another thread cost 0.4-0.8 ms at p50
 * on two busy cores, more than the exchange itself). Every failure (refused, timed out, an error
 * status, a body it cannot read) comes back as shards missing with the reason, never as an
 * exception: callers decide what a missing shard means.
 *
 * <p>Only this endpoint's answers are read: a status line, headers, and a body of
 * {@code Content-Length} bytes (or chunked). A connection the peer closed while it sat idle is
 * noticed when the answer does not come, and the request is sent once more on a new one: every
 * request here only reads.
 */
public final class PeerClient implements AutoCloseable {

    /** The internal endpoint every instance serves. */
    public static final String PATH = "/internal/v1/shards";
    /** The header that carries the cluster secret. */
    public static final String SECRET_HEADER = "X-Cluster-Secret";
    public static final String CONTENT_TYPE = "application/x-vectorstream-shards";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Idle connections kept per peer; more are closed when their exchange ends. */
    private static final int IDLE_PER_PEER = 32;
    /** No answer of this endpoint is larger: k of 1,000 hits of 256 KiB texts is 256 MiB, and search caps k at 1,000. */
    private static final int MAX_ANSWER_BYTES = 512 << 20;
    private static final int MAX_HEADER_BYTES = 64 << 10;

    private final ClusterSecret secret;
    private final SSLSocketFactory tls;
    private final Map<HostInfo, Deque<Connection>> idle = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A client of peers that speak plain HTTP. */
    public PeerClient(final ClusterSecret secret) {
        this(secret, null);
    }

    /** @param tls what peers' certificates are checked against (their host names too); null: plain HTTP */
    public PeerClient(final ClusterSecret secret, final SSLContext tls) {
        this.secret = secret;
        this.tls = tls == null ? null : tls.getSocketFactory();
    }

    /** A request on its way to a peer; its answer is read by {@link #answer}. */
    public interface Exchange<R> {
        /** Reads the peer's answer: the shards' results, or the shards missing and why. */
        ShardAnswers<R> answer();
    }

    /**
     * Writes {@code request} to {@code peer} and returns without waiting for the answer.
     *
     * @param timeout how long the whole exchange may take, answer included
     */
    public <R> Exchange<R> send(final HostInfo peer, final PeerRequest<R> request, final Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] message = message(peer, ShardWire.encode(request));
        String who = peer.host() + ":" + peer.port();
        Deque<Connection> pool = idle.get(peer);
        Connection reused = pool == null ? null : pool.pollFirst();
        try {
            Connection connection = reused != null ? reused : Connection.open(peer, deadline, tls);
            if (!connection.write(message) && reused != null) {
                connection = Connection.open(peer, deadline, tls); // the idle one was closed by the peer
                if (!connection.write(message)) {
                    throw new IOException("the connection was closed while the request was written");
                }
            }
            Connection sentOn = connection;
            return () -> answer(peer, who, request, message, sentOn, reused == sentOn, deadline, timeout);
        } catch (IOException e) {
            return () -> missing(request, who, e, timeout);
        }
    }

    private <R> ShardAnswers<R> answer(final HostInfo peer, final String who, final PeerRequest<R> request,
                                       final byte[] message, final Connection connection, final boolean reused,
                                       final long deadline, final Duration timeout) {
        Connection current = connection;
        try {
            Response response;
            try {
                response = current.read(deadline);
            } catch (EOFException e) {
                if (!reused) {
                    throw e;
                }
                // An idle connection the peer had closed: the write went nowhere. Once more, on a new one.
                current.close();
                current = Connection.open(peer, deadline, tls);
                if (!current.write(message)) {
                    throw new IOException("the connection was closed while the request was written");
                }
                response = current.read(deadline);
            }
            if (response.keepAlive() && !closed) {
                release(peer, current);
            } else {
                current.close();
            }
            if (response.status() != 200) {
                return ShardAnswers.none(request.partitions(), "instance " + who + " answered " + response.status()
                        + (response.status() == 401
                        ? " (its cluster secret is not this instance's: set the same --cluster-secret on every instance)"
                        : ""));
            }
            return ShardWire.decodeAnswer(request.query(), response.body());
        } catch (ShardWire.MalformedException e) {
            return ShardAnswers.none(request.partitions(), "instance " + who + ": " + e.getMessage());
        } catch (IOException e) {
            current.close();
            return missing(request, who, e, timeout);
        }
    }

    private static <R> ShardAnswers<R> missing(final PeerRequest<R> request, final String who, final IOException e,
                                               final Duration timeout) {
        String why = e instanceof SocketTimeoutException ? "did not answer within " + timeout.toMillis() + " ms"
                : "cannot be reached (" + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
        return ShardAnswers.none(request.partitions(), "instance " + who + " " + why);
    }

    private byte[] message(final HostInfo peer, final byte[] body) {
        StringBuilder head = new StringBuilder(200)
                .append("POST ").append(PATH).append(" HTTP/1.1\r\n")
                .append("Host: ").append(peer.host()).append(':').append(peer.port()).append("\r\n")
                .append("Content-Type: ").append(CONTENT_TYPE).append("\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n");
        secret.value().ifPresent(value -> head.append(SECRET_HEADER).append(": ").append(value).append("\r\n"));
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] message = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, message, 0, headBytes.length);
        System.arraycopy(body, 0, message, headBytes.length, body.length);
        return message;
    }

    private void release(final HostInfo peer, final Connection connection) {
        Deque<Connection> pool = idle.computeIfAbsent(peer, p -> new ConcurrentLinkedDeque<>());
        if (pool.size() >= IDLE_PER_PEER) {
            connection.close();
            return;
        }
        pool.offerFirst(connection);
        if (closed) {
            closeIdle();
        }
    }

    @Override
    public void close() {
        closed = true;
        closeIdle();
    }

    private void closeIdle() {
        idle.values().forEach(pool -> {
            Connection c;
            while ((c = pool.pollFirst()) != null) {
                c.close();
            }
        });
    }

    /** A peer's answer. */
    private record Response(int status, byte[] body, boolean keepAlive) {
    }

    /** One socket to a peer. */
    private static final class Connection {

        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        private Connection(final Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        }

        static Connection open(final HostInfo peer, final long deadline, final SSLSocketFactory tls)
                throws IOException {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true); // a request is one write; its answer must not wait for an ACK
                socket.setKeepAlive(true);
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                socket.connect(new InetSocketAddress(peer.host(), peer.port()),
                        (int) Math.min(left, CONNECT_TIMEOUT.toMillis()));
                if (tls == null) {
                    return new Connection(socket);
                }
                SSLSocket secured = (SSLSocket) tls.createSocket(socket, peer.host(), peer.port(), true);
                SSLParameters parameters = secured.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the peer
                secured.setSSLParameters(parameters);
                secured.setSoTimeout((int) Math.min(left, CONNECT_TIMEOUT.toMillis()));
                secured.startHandshake();
                return new Connection(secured);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        /** @return false if the connection turned out closed */
        boolean write(final byte[] message) {
            try {
                out.write(message);
                out.flush();
                return true;
            } catch (IOException e) {
                close();
                return false;
            }
        }

        /** @throws EOFException if the peer closed the connection before any byte of an answer */
        Response read(final long deadline) throws IOException {
            setTimeout(deadline);
            String statusLine = line(true);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.1 answer: " + statusLine);
            }
            int status;
            try {
                status = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status: " + statusLine, e);
            }
            long length = -1;
            boolean chunked = false;
            boolean keepAlive = !parts[0].equals("HTTP/1.0");
            int headerBytes = 0;
            String header;
            while (!(header = line(false)).isEmpty()) {
                headerBytes += header.length();
                if (headerBytes > MAX_HEADER_BYTES) {
                    throw new IOException("headers past " + MAX_HEADER_BYTES + " bytes");
                }
                int colon = header.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = parseLength(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> keepAlive = !value.equalsIgnoreCase("close");
                    default -> { }
                }
            }
            byte[] body = chunked ? chunkedBody(deadline) : length >= 0 ? exactly(length, deadline) : new byte[0];
            return new Response(status, body, keepAlive && (chunked || length >= 0));
        }

        private byte[] chunkedBody(final long deadline) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = line(false);
                int semicolon = size.indexOf(';');
                long chunk;
                try {
                    chunk = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("not a chunk size: " + size, e);
                }
                if (chunk == 0) {
                    while (!line(false).isEmpty()) {
                        // trailers: none expected, none kept
                    }
                    return body.toByteArray();
                }
                if (body.size() + chunk > MAX_ANSWER_BYTES) {
                    throw new IOException("an answer past " + MAX_ANSWER_BYTES + " bytes");
                }
                body.write(exactly(chunk, deadline));
                line(false); // the CRLF after the chunk
            }
        }

        private byte[] exactly(final long length, final long deadline) throws IOException {
            if (length > MAX_ANSWER_BYTES) {
                throw new IOException("an answer of " + length + " bytes, past " + MAX_ANSWER_BYTES);
            }
            byte[] body = new byte[(int) length];
            int read = 0;
            while (read < body.length) {
                setTimeout(deadline);
                int n = in.read(body, read, body.length - read);
                if (n < 0) {
                    throw new IOException("the answer ended after " + read + " of " + length + " bytes");
                }
                read += n;
            }
            return body;
        }

        /** One header line without its CRLF; {@code first}: an end of stream before it is an EOFException. */
        private String line(final boolean first) throws IOException {
            StringBuilder line = new StringBuilder(64);
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    if (first && line.isEmpty()) {
                        throw new EOFException("the peer closed the connection");
                    }
                    throw new IOException("the answer ended inside its headers");
                }
                if (line.length() > MAX_HEADER_BYTES) {
                    throw new IOException("a header line past " + MAX_HEADER_BYTES + " bytes");
                }
                line.append((char) b);
            }
            int end = line.length();
            return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
        }

        private static long parseLength(final String value) throws IOException {
            try {
                long length = Long.parseLong(value);
                if (length < 0) {
                    throw new IOException("a negative Content-Length");
                }
                return length;
            } catch (NumberFormatException e) {
                throw new IOException("not a Content-Length: " + value, e);
            }
        }

        private void setTimeout(final long deadline) throws IOException {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new SocketTimeoutException("deadline passed");
            }
            socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing: nothing to do about it
            }
        }
    }
}
