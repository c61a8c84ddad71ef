package io.vectorstream.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.stream.ShardAnswers;
import io.vectorstream.util.Pause;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParallelShardsTest {

    @Test
    void everyShardIsAskedOnItsOwnAndTheirAnswersAndMissingShardsJoin() {
        List<Set<Integer>> asked = new CopyOnWriteArrayList<>();
        try (ParallelShards parallel = new ParallelShards(2)) {
            ShardAnswers<String> answers = parallel.ask(new TreeSet<>(Set.of(0, 1, 2, 3)), shards -> {
                asked.add(shards);
                int shard = shards.iterator().next();
                return shard == 2 ? ShardAnswers.none(shards, "shard 2 is not active here")
                        : new ShardAnswers<>(Map.of(shard, "answer of " + shard), Set.of(), null);
            });
            assertEquals(Map.of(0, "answer of 0", 1, "answer of 1", 3, "answer of 3"), answers.results());
            assertEquals(Set.of(2), answers.missing());
            assertEquals("shard 2 is not active here", answers.why());
        }
        assertEquals(4, asked.size(), "each shard once: " + asked);
        assertTrue(asked.stream().allMatch(shards -> shards.size() == 1), asked.toString());
    }

    @Test
    void theShardsAreAskedAtOnceWhenHelpersAreFree() {
        CountDownLatch allInside = new CountDownLatch(3);
        Map<Integer, Thread> threads = new ConcurrentHashMap<>();
        try (ParallelShards parallel = new ParallelShards(2)) {
            ShardAnswers<Boolean> answers = parallel.ask(Set.of(0, 1, 2), shards -> {
                threads.put(shards.iterator().next(), Thread.currentThread());
                allInside.countDown();
                // Asked one after another, the first would wait here in vain.
                boolean together = await(allInside);
                return new ShardAnswers<>(Map.of(shards.iterator().next(), together), Set.of(), null);
            });
            assertEquals(Map.of(0, true, 1, true, 2, true), answers.results(), "three shards inside at once");
        }
        assertEquals(3, Set.copyOf(threads.values()).size(), "three threads: " + threads);
        assertTrue(threads.containsValue(Thread.currentThread()), "the caller answers a shard itself");
    }

    @Test
    void aShardThatFailsFailsTheAskOnceEveryOtherShardIsDone() {
        AtomicInteger done = new AtomicInteger();
        IllegalStateException bug = new IllegalStateException("shard 1: UNKNOWN_QUERY_TYPE");
        try (ParallelShards parallel = new ParallelShards(2)) {
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
                    parallel.ask(Set.of(0, 1, 2), shards -> {
                        int shard = shards.iterator().next();
                        if (shard == 1) {
                            throw bug;
                        }
                        Pause.millis(50, "a shard's work");
                        done.incrementAndGet();
                        return new ShardAnswers<>(Map.of(shard, "ok"), Set.of(), null);
                    }));
            assertSame(bug, thrown);
            assertEquals(2, done.get(), "no shard is left running when the ask fails");
        }
    }

    @Test
    void withoutHelpersTheShardsAreAskedTogetherInTheCallersThread() {
        List<Set<Integer>> asked = new CopyOnWriteArrayList<>();
        List<Thread> callers = new CopyOnWriteArrayList<>();
        try (ParallelShards parallel = new ParallelShards(0)) {
            parallel.ask(Set.of(0, 1, 2), shards -> {
                asked.add(shards);
                callers.add(Thread.currentThread());
                return ShardAnswers.none(Set.of(), null);
            });
        }
        assertEquals(List.of(Set.of(0, 1, 2)), asked);
        assertEquals(List.of(Thread.currentThread()), callers);
        assertThrows(IllegalArgumentException.class, () -> new ParallelShards(-1));
    }

    private static boolean await(final CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
