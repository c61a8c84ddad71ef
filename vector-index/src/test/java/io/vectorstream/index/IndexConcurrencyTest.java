package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One writer and several readers hammer one index of each kind (IVF also retrains meanwhile). Every vector is constant (all components equal
 * one small integer that encodes its key and version), so a search against the all-ones query yields a
 * score of {@code dimension * value}: a vector read half before and half after a write would give a
 * score no single version has, and a hit on a removed key would name a key that is gone for good.
 */
@Tag("integration")
class IndexConcurrencyTest {

    private static final int DIMENSION = 16;
    private static final int KEYS = 3_000;
    /** Versions per key; values stay small integers, so float sums are exact (below 2^24). */
    private static final int VERSIONS = 16;

    static VectorIndex<Integer> create(final String kind) {
        return switch (kind) {
            case "ivf" -> new IvfIndex<>(DIMENSION, Metric.DOT, IvfParams.DEFAULT.withTrainThreshold(1_000).withNlist(16));
            case "lsh" -> new LshIndex<>(DIMENSION, Metric.DOT, LshParams.DEFAULT);
            case "hnsw" -> new HnswIndex<>(DIMENSION, Metric.DOT, HnswParams.DEFAULT);
            default -> new FlatIndex<>(DIMENSION, Metric.DOT);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"flat", "ivf", "lsh", "hnsw"})
    void aSearchForNoResultsReturnsNone(final String kind) {
        VectorIndex<Integer> index = create(kind);
        index.put(1, constant(1f));
        assertEquals(List.of(), index.search(constant(1f), 0, SearchParams.DEFAULT, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"flat", "ivf", "lsh", "hnsw"})
    void readersNeverSeeTornVectorsOrRemovedKeysWhileOneWriterWorks(final String kind) throws Exception {
        VectorIndex<Integer> index = create(kind);
        for (int key = 0; key < KEYS; key++) {
            index.put(key, constant(value(key, 0)));
        }
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicLong searches = new AtomicLong();
        int readers = 3;
        CountDownLatch done = new CountDownLatch(readers);
        float[] ones = constant(1f);
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    while (!stop.get()) {
                        for (Hit<Integer> hit : index.search(ones, 20, SearchParams.DEFAULT, null)) {
                            check(hit, problems);
                        }
                        searches.incrementAndGet();
                    }
                } finally {
                    done.countDown();
                }
            }));
        }
        // The writer: rewrites keys with new versions, removes keys >= KEYS for good, reuses their slots.
        Random random = new Random(1);
        long deadline = System.nanoTime() + 3_000_000_000L;
        int version = 1;
        int retrains = 0;
        int removedUpTo = KEYS;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 500; i++) {
                int key = random.nextInt(KEYS);
                index.put(key, constant(value(key, version)));
            }
            index.put(removedUpTo, constant(value(removedUpTo, 0)));
            index.remove(removedUpTo);
            removedUpTo++;
            if (index instanceof IvfIndex<Integer> ivf && removedUpTo % 50 == 0) {
                ivf.train(); // retrain while the readers search
                retrains++;
            }
            version = version % (VERSIONS - 1) + 1;
        }
        stop.set(true);
        done.await();
        assertTrue(searches.get() > 10, "readers ran: " + searches.get());
        assertTrue(!(index instanceof IvfIndex) || retrains > 0, "retrained while searching");
        assertEquals(List.of(), List.copyOf(problems).subList(0, Math.min(5, problems.size())));
        assertEquals(KEYS, index.size());
        for (Thread t : threads) {
            t.join();
        }
    }

    /**
     * A key removed and put again while a search runs may move to a slot the search has not read
     * yet, after it read the old one (another key took that over): it must still be returned once.
     * The best keys are inserted first, so they start in the first slots and move to the last.
     */
    @ParameterizedTest
    @ValueSource(strings = {"flat", "ivf", "lsh", "hnsw"})
    void aKeyMovedToAnotherSlotDuringASearchIsReturnedOnce(final String kind) throws Exception {
        VectorIndex<Integer> index = create(kind);
        for (int key = KEYS - 1; key >= 0; key--) {
            index.put(key, constant(value(key, 0)));
        }
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicLong searches = new AtomicLong();
        float[] ones = constant(1f);
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    List<Integer> keys = index.search(ones, 10, SearchParams.DEFAULT, null).stream()
                            .map(Hit::key).toList();
                    if (keys.stream().distinct().count() != keys.size()) {
                        problems.add("a key twice: " + keys);
                    }
                    searches.incrementAndGet();
                }
            }));
        }
        int filler = KEYS;
        Random random = new Random(3);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline && problems.isEmpty()) {
            int key = KEYS - 1 - random.nextInt(10);
            index.remove(key);
            index.put(filler, constant(1f)); // takes a freed slot
            index.put(key, constant(value(key, 1 + random.nextInt(VERSIONS - 1))));
            index.remove(filler);
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join();
        }
        assertTrue(searches.get() > 10, "readers ran: " + searches.get());
        assertEquals(List.of(), List.copyOf(problems).subList(0, Math.min(5, problems.size())));
    }

    /** Keys below KEYS are never removed; keys from KEYS on are removed right after insertion. */
    private static void check(final Hit<Integer> hit, final ConcurrentLinkedQueue<String> problems) {
        float value = hit.score() / DIMENSION;
        int key = hit.key();
        if (value != Math.rint(value) || (int) value / VERSIONS != key) {
            problems.add("torn or mismatched vector for key " + key + ": score " + hit.score());
        }
    }

    private static float value(final int key, final int version) {
        return key * VERSIONS + version;
    }

    private static float[] constant(final float value) {
        float[] v = new float[DIMENSION];
        Arrays.fill(v, value);
        return v;
    }
}
