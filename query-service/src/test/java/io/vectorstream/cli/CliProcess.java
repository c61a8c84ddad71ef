package io.vectorstream.cli;

import io.vectorstream.http.ApiClient;
import io.vectorstream.util.Pause;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.regex.Pattern;

/**
 * A command of {@code vectorstream} ({@code dev}, {@code serve}, {@code broker}) as its own
 * operating-system process, started the way bin/vectorstream starts it (same main class, same JVM
 * flags file), for tests that stop, kill and restart it.
 */
final class CliProcess implements AutoCloseable {

    private final Process process;
    private final ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    private CliProcess(final Process process, final String readyLine) {
        this.process = process;
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.add(line);
                    if (line.contains(readyLine)) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("process ended before it was ready"));
        });
    }

    /** {@code vectorstream dev} on its own broker. */
    static CliProcess dev(final Path dataDir, final int httpPort, final int kafkaPort, final String... extra) {
        List<String> args = new ArrayList<>(List.of("dev", "--data-dir", dataDir.toString(), "--port",
                Integer.toString(httpPort), "--kafka-port", Integer.toString(kafkaPort)));
        args.addAll(List.of(extra));
        // The last line of dev's summary: the addresses it prints come before it.
        return start("Press Ctrl-C to stop.", args);
    }

    /** {@code vectorstream broker} with its log under {@code data/broker}. */
    static CliProcess broker(final Path data, final int kafkaPort) {
        return start("Kafka broker ready", List.of("broker", "--data-dir", data.resolve("broker").toString(),
                "--kafka-port", Integer.toString(kafkaPort)));
    }

    /** {@code vectorstream serve} on 127.0.0.1 with its state under {@code data/service} and no models. */
    static CliProcess serve(final String bootstrap, final Path data, final int httpPort) {
        return start("Ready in", List.of("serve", "--kafka", bootstrap, "--port", Integer.toString(httpPort),
                "--host", "127.0.0.1", "--data-dir", data.resolve("service").toString(),
                "--model-dir", data.resolve("no-models").toString()));
    }

    /**
     * {@code vectorstream serve} as one instance of several: on 127.0.0.1, advertised there, with
     * its state under {@code dir} and no models, and the {@code extra} flags (a secret, partitions).
     */
    static CliProcess serveInCluster(final String bootstrap, final Path dir, final int httpPort,
                                     final String... extra) {
        List<String> args = new ArrayList<>(List.of("serve", "--kafka", bootstrap, "--port", Integer.toString(httpPort),
                "--host", "127.0.0.1", "--advertised-host", "127.0.0.1", "--data-dir", dir.toString(),
                "--model-dir", dir.resolve("no-models").toString()));
        args.addAll(List.of(extra));
        return start("Ready in", args);
    }

    /**
     * Starts {@code vectorstream ARGS}; it counts as ready once it prints a line containing
     * {@code readyLine}.
     */
    static CliProcess start(final String readyLine, final List<String> args) {
        Path jvmOptions = Path.of("target", "jvm.options").toAbsolutePath();
        if (!Files.exists(jvmOptions)) {
            throw new IllegalStateException(jvmOptions + " is missing: it is made by the process-resources phase");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("@" + jvmOptions);
        command.add("-Xmx1g");
        // The quick JIT only: these processes live for seconds on test-sized data, where the
        // optimising compiler's work never pays back (serve starts on 5.0 s of CPU instead of 6.5 s,
        // measured on 2 cores). A class-data-sharing archive would save more, but the JVM cannot
        // write one for a class path with folders (target/classes). Never used outside the tests.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(args);
        try {
            return new CliProcess(new ProcessBuilder(command).redirectErrorStream(true).start(), readyLine);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void awaitReady(final Duration timeout) {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("process not ready in " + timeout + "; output:\n" + String.join("\n", output), e);
        }
    }

    /** Stops it as Ctrl-C or a service manager would (SIGTERM) and waits for it to exit. */
    int stop(final Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("process did not stop within " + timeout + "; output:\n"
                    + String.join("\n", output));
        }
        return process.exitValue();
    }

    /** Waits until it prints a line matching {@code regex} (anywhere in the line). */
    void awaitOutput(final String regex, final Duration timeout) throws InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean ended = false;
        while (output.stream().noneMatch(line -> pattern.matcher(line).find())) {
            if (ended || System.nanoTime() > deadline) {
                throw new AssertionError("no line matching " + regex + " within " + timeout + "; output:\n" + output());
            }
            ended = !process.isAlive(); // one more look: the reader may still be behind
            Thread.sleep(ended ? 300 : 20);
        }
    }

    /** Waits until it exits by itself; returns its exit code. */
    int awaitExit(final Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeout + "; output:\n" + output());
        }
        return process.exitValue();
    }

    /**
     * Waits until library {@code lib} of this service (over {@code api}) has a chunk count that
     * {@code done} accepts; the failure shows the last answer and this process's output.
     */
    void awaitChunkCount(final ApiClient api, final IntPredicate done,
                         final Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ApiClient.Response library = null;
        while (System.nanoTime() < deadline) {
            library = api.get("/v1/libraries/lib");
            if (library.status() == 200 && done.test(library.body().get("chunkCount").asInt())) {
                return;
            }
            Pause.millis(20, "the service");
        }
        throw new AssertionError("chunk count not reached in " + timeout + ": "
                + (library == null ? null : library.body()) + "; output:\n" + output());
    }

    /** Kills it without warning (SIGKILL), as a crash or the kernel's OOM killer would, and waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    String output() {
        return String.join("\n", output);
    }

    /**
     * A port nothing listens on, for a process started later. Below Linux's ephemeral range
     * (32768-60999): a port the kernel handed out as "free" is also what it hands to the next
     * outgoing connection or broker listener on port 0, which then takes it before the process
     * binds it ("Address already in use").
     */
    static int freePort() {
        Random random = new Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // another one
            }
        }
        throw new UncheckedIOException(new IOException("no free port in 20000-31999"));
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
