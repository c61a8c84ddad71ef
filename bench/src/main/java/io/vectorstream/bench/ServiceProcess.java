package io.vectorstream.bench;

import io.vectorstream.cli.Main;
import io.vectorstream.util.Pause;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code vectorstream ARGS} in a new JVM with this JVM's flags and class path, its output kept
 * (and copied to a log file when given): the service processes of the benchmarks that need
 * several, or one to kill.
 */
final class ServiceProcess {

    private final Process process;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private ServiceProcess(final Process process, final Path log) {
        this.process = process;
        Thread.ofPlatform().daemon().name("benchmark-child-output").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
                 Writer copy = log == null ? Writer.nullWriter()
                         : Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.add(line);
                    copy.write(line);
                    copy.write('\n');
                }
            } catch (IOException e) {
                output.add("(output unreadable: " + e + ")");
            }
            ended.complete(null);
        });
    }

    static ServiceProcess start(final List<String> args, final Path log) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // Not what would clash with this JVM's: a recording's file, a debugger's or JMX's port.
            if (!flag.startsWith("-XX:StartFlightRecording") && !flag.startsWith("-agentlib")
                    && !flag.startsWith("-Dcom.sun.management.jmxremote")) {
                command.add(flag);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(args);
        try {
            ServiceProcess child = new ServiceProcess(new ProcessBuilder(command).redirectErrorStream(true).start(), log);
            // Not left running (holding a port and the benchmark's state, which is deleted at
            // exit) when the benchmark is interrupted.
            Runtime.getRuntime().addShutdownHook(new Thread(child.process::destroyForcibly, "benchmark-child-kill"));
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Waits for a line containing {@code text} and returns it. */
    String awaitLine(final String text, final Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (output) {
                for (String line : output) {
                    if (line.contains(text)) {
                        return line;
                    }
                }
            }
            if (ended.isDone()) {
                break;
            }
            Pause.millis(20, "the benchmark");
        }
        throw new IllegalStateException("the service printed no \"" + text + "\"; its output:\n" + output());
    }

    /** A port nothing listens on now, for a service process to take. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    void kill() {
        process.destroyForcibly(); // SIGKILL
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, as Ctrl-C; SIGKILL if it has not stopped within a minute. */
    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(1, TimeUnit.MINUTES)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }

    String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }
}
