package io.vectorstream.http;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's Chromium, headless, loading one page per process: it renders what the page's script
 * made of it (the DOM) or how it looks (a PNG). Flags for a container that may run as root
 * (no sandbox, no GPU, no /dev/shm), a fresh profile per run, no network but the page's own
 * requests, and a time limit on the process.
 */
final class HeadlessChromium {

    private static final String COMMAND = "chromium";
    /**
     * How long the page may run (virtual time, which waits for pending requests) before the DOM
     * is taken: a search's model call and rendering take well under a second.
     */
    private static final int BUDGET_MS = 8_000;
    private static final long TIMEOUT_SECONDS = 90;
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Path workDir;

    /** @param workDir where profiles and logs go (under target/) */
    HeadlessChromium(final Path workDir) {
        this.workDir = workDir;
    }

    /** Fails the test with what to do when Chromium is not installed. */
    static void require() {
        try {
            Process version = new ProcessBuilder(COMMAND, "--version").redirectErrorStream(true).start();
            String answer = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!version.waitFor(30, TimeUnit.SECONDS) || version.exitValue() != 0) {
                throw new AssertionError("chromium --version failed: " + answer);
            }
        } catch (IOException missing) {
            throw new AssertionError("Chromium is needed for the search page's tests: apt-get install chromium "
                    + "(.ci/run installs it)", missing);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The page's DOM once its script is done, as HTML. */
    String dom(final URI page, final int width, final int height) {
        return run(page, width, height, List.of("--dump-dom"));
    }

    /** A screenshot of the page's viewport once its script is done. */
    void screenshot(final URI page, final int width, final int height, final Path png) {
        run(page, width, height, List.of("--screenshot=" + png.toAbsolutePath()));
        if (!Files.isRegularFile(png)) {
            throw new AssertionError("Chromium wrote no screenshot " + png);
        }
    }

    private String run(final URI page, final int width, final int height, final List<String> what) {
        int run = RUNS.incrementAndGet();
        Path profile = workDir.resolve("chromium-profile-" + run);
        Path out = workDir.resolve("chromium-" + run + ".out");
        Path log = workDir.resolve("chromium-" + run + ".log");
        List<String> command = new ArrayList<>(List.of(COMMAND, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--user-data-dir=" + profile, "--window-size=" + width + "," + height,
                "--virtual-time-budget=" + BUDGET_MS));
        command.addAll(what);
        command.add(page.toString());
        try {
            Files.createDirectories(profile);
            // Output to files, not pipes: a process that hangs then cannot hang the test past its limit.
            Process chromium = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(log.toFile())
                    .start();
            if (!chromium.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                chromium.descendants().forEach(ProcessHandle::destroyForcibly);
                chromium.destroyForcibly();
                throw new AssertionError("Chromium did not finish " + page + " in " + TIMEOUT_SECONDS + " s; log " + log);
            }
            if (chromium.exitValue() != 0) {
                throw new AssertionError("Chromium failed (" + chromium.exitValue() + ") on " + page + ":\n"
                        + Files.readString(log));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
