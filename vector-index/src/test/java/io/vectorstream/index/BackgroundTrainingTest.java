package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * A graph build that throws is logged as an error through the JDK's logger (which the service
 * routes to its own logs), and the builds queued after it still run.
 */
class BackgroundTrainingTest {

    @Test
    void aFailedBuildIsLoggedAsAnErrorAndTheNextBuildStillRuns() throws InterruptedException {
        Logger logger = Logger.getLogger(BackgroundTraining.class.getName());
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(final LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        logger.setUseParentHandlers(false); // the expected error stays out of the test's output
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            BackgroundTraining background = new BackgroundTraining(1, thread);
            IllegalStateException bug = new IllegalStateException("a bug in a build");
            CountDownLatch next = new CountDownLatch(1);
            background.build(() -> {
                throw bug;
            });
            background.build(next::countDown);
            assertTrue(next.await(10, TimeUnit.SECONDS), "the build queued after the failed one ran");
            assertEquals(1, records.size());
            assertEquals(Level.SEVERE, records.getFirst().getLevel());
            assertTrue(records.getFirst().getMessage().contains("exact search"), records.getFirst().getMessage());
            assertSame(bug, records.getFirst().getThrown());
        } finally {
            thread.shutdownNow();
            logger.removeHandler(capture);
            logger.setUseParentHandlers(true);
        }
    }
}
