package io.vectorstream.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IndexMemoryTest {

    /**
     * Shards opening indexes on several threads at once: each reservation checks and counts in one
     * step, so exactly as many fit as the budget has room for (checking first and counting later,
     * several found the same room and together passed the budget).
     */
    @Test
    void concurrentReservationsNeverPassTheBudget() throws Exception {
        IndexMemory.Budget before = IndexMemory.budget();
        long chunk = 1_000_000;
        String library = "reserve-test-" + System.nanoTime();
        try {
            for (int round = 0; round < 50; round++) {
                long start = IndexMemory.used();
                IndexMemory.setBudget(new IndexMemory.Budget(start + 3 * chunk + chunk / 2, Long.MAX_VALUE));
                AtomicInteger fitted = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    threads.add(Thread.ofPlatform().start(() -> {
                        try {
                            go.await();
                            IndexMemory.reserve(library, chunk);
                            fitted.incrementAndGet();
                        } catch (IndexMemory.OverBudget | InterruptedException e) {
                            // no room: as expected for all but three
                        }
                    }));
                }
                go.countDown();
                for (Thread thread : threads) {
                    thread.join();
                }
                assertEquals(3, fitted.get(), "round " + round);
                assertTrue(IndexMemory.used() <= IndexMemory.budget().instanceBytes());
                IndexMemory.add(library, -fitted.get() * chunk);
            }
        } finally {
            IndexMemory.setBudget(before);
        }
    }
}
