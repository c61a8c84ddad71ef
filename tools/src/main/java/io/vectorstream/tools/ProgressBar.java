package io.vectorstream.tools;

import java.io.PrintStream;

/**
 * A progress bar on the console: redrawn in place at most ten times a second on a terminal, and
 * as a line per tenth of the work elsewhere (a log, a pipe), so both stay readable.
 */
final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private long done;
    private long drawnAt;
    private int tenthsShown;

    ProgressBar(final PrintStream out, final String label, final long total, final boolean terminal) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.terminal = terminal;
    }

    /** On the process's console: in place when it is a terminal. */
    static ProgressBar onConsole(final PrintStream out, final String label, final long total) {
        return new ProgressBar(out, label, total, System.console() != null);
    }

    synchronized void advance(final long steps) {
        done = Math.min(total, done + steps);
        long now = System.nanoTime();
        if (terminal) {
            if (now - drawnAt > 100_000_000L || done == total) {
                drawnAt = now;
                out.print("\r" + line());
                out.flush();
            }
        } else {
            int tenths = (int) (10 * done / total);
            if (tenths > tenthsShown) {
                tenthsShown = tenths;
                out.println(line());
            }
        }
    }

    /** Ends the bar's line. */
    synchronized void finish() {
        if (terminal) {
            out.println();
        }
    }

    private String line() {
        int filled = (int) (WIDTH * done / total);
        double seconds = (System.nanoTime() - started) / 1e9;
        return String.format("%s [%s%s] %,d/%,d (%,.0f/s)", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
                done, total, seconds > 0 ? done / seconds : 0.0);
    }
}
