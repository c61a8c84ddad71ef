package io.vectorstream.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One kept-alive HTTP/1.1 connection that sends a request and reads its whole answer, for one load
 * thread at a time. The load generator shares this machine's two cores with the server, so it
 * must cost as little as it can: no request objects, no futures, no selector thread (the JDK's
 * client spends about as much CPU per request as the server's routing). It reads what the
 * service answers: a status line, headers, and a body of a {@code Content-Length} or chunked.
 */
final class KeepAliveClient implements AutoCloseable {

    /** An answer: its status and body (UTF-8). */
    record Answer(int status, String body) {
    }

    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    KeepAliveClient(final URI base) {
        this.host = base.getHost();
        this.port = base.getPort();
    }

    /** POSTs a JSON body to {@code path}; opens the connection again if the server closed it. */
    Answer post(final String path, final byte[] json) throws IOException {
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (int attempt = 0; ; attempt++) {
            boolean reused = socket != null;
            try {
                connectIfClosed();
                out.write(head);
                out.write(json);
                out.flush();
                return read();
            } catch (IOException e) {
                close();
                if (!reused || attempt > 0) {
                    throw e; // a fresh connection that fails is the server's answer, not a stale socket
                }
            }
        }
    }

    private void connectIfClosed() throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 2_000);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
        }
    }

    private Answer read() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
            throw new IOException("not an HTTP/1.1 status line: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        int length = -1;
        boolean chunked = false;
        boolean closes = false;
        String header;
        while (!(header = line()).isEmpty()) {
            int colon = header.indexOf(':');
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Integer.parseInt(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> closes = value.equalsIgnoreCase("close");
                default -> { }
            }
        }
        byte[] body = chunked ? chunkedBody() : in.readNBytes(Math.max(0, length));
        if (closes) {
            close();
        }
        return new Answer(code, new String(body, StandardCharsets.UTF_8));
    }

    private byte[] chunkedBody() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int size;
        while ((size = Integer.parseInt(line().split(";")[0].trim(), 16)) > 0) {
            body.write(in.readNBytes(size));
            line(); // the chunk's CRLF
        }
        while (!line().isEmpty()) {
            // trailers: none expected, skipped
        }
        return body.toByteArray();
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder(64);
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("the server closed the connection");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing: nothing to do about it
            }
            socket = null;
        }
    }
}
