package io.vectorstream.index;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The thread trainings and graph builds run on beside the writer, held back until the test
 * opens it: what the index does while its work waits can be seen.
 */
final class HeldBuildThread {

    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final BackgroundTraining background = new BackgroundTraining(1, thread);

    HeldBuildThread() {
        thread.submit(() -> {
            gate.await(); // the work queued behind this waits until the test lets it run
            return null;
        });
    }

    /** Where the index under test runs its trainings and builds. */
    BackgroundTraining background() {
        return background;
    }

    /** Lets the work run. */
    void open() {
        gate.countDown();
    }

    /** Takes no more work (queued work still runs). */
    void shutdown() {
        thread.shutdown();
    }
}
