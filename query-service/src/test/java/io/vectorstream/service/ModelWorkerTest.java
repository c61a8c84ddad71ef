package io.vectorstream.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.embed.DjlEmbedder;
import io.vectorstream.embed.Embedder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The worker is plumbing around a model, so a scripted model stands in for DJL here: each text's
 * vector encodes the text, and the model can be held inside a call to let other calls queue up.
 */
class ModelWorkerTest {

    private static final Executor REQUESTS = Executors.newVirtualThreadPerTaskExecutor();

    /** Vector of "t7" is {7}; records every call; the first call waits for {@link #release}. */
    private static final class ScriptedModel implements Embedder {
        final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> callers = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile String failOn;

        @Override
        public String modelId() {
            return "scripted";
        }

        @Override
        public int dimension() {
            return 1;
        }

        @Override
        public float[][] embed(final List<String> texts, final Purpose purpose) {
            calls.add(List.copyOf(texts));
            callers.add(Thread.currentThread());
            entered.countDown();
            try {
                assertTrue(release.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            if (failOn != null && texts.contains(failOn)) {
                throw new EmbeddingException("scripted failure on " + failOn, null);
            }
            return texts.stream().map(t -> new float[] {Float.parseFloat(t.substring(1))}).toArray(float[][]::new);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void callsQueuedBehindARunningOneShareOneForwardPassAndEachGetsItsOwnVectors() throws Exception {
        ScriptedModel model = new ScriptedModel();
        try (ModelWorker worker = new ModelWorker(1)) {
            CompletableFuture<float[][]> first = request(
                    () -> worker.embed(model, List.of("t1"), Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE));
            assertTrue(model.entered.await(10, TimeUnit.SECONDS));
            List<CompletableFuture<float[][]>> queued = new ArrayList<>();
            for (int i = 2; i <= 4; i++) {
                List<String> texts = List.of("t" + i, "t" + (i * 10));
                queued.add(request(() -> worker.embed(model, texts, Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE)));
            }
            awaitQueued(worker, 3);
            model.release.countDown();

            assertArrayEquals(new float[][] {{1}}, first.get(10, TimeUnit.SECONDS));
            for (int i = 2; i <= 4; i++) {
                assertArrayEquals(new float[][] {{i}, {i * 10}}, queued.get(i - 2).get(10, TimeUnit.SECONDS));
            }
            assertEquals(2, model.calls.size(), "the three queued calls ran as one: " + model.calls);
            assertEquals(6, model.calls.get(1).size());
        }
    }

    @Test
    void queryTextsGoBeforeQueuedPassagesAndPurposesAreNotMerged() throws Exception {
        ScriptedModel model = new ScriptedModel();
        try (ModelWorker worker = new ModelWorker(1)) {
            CompletableFuture<float[][]> first = request(
                    () -> worker.embed(model, List.of("t1"), Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE));
            assertTrue(model.entered.await(10, TimeUnit.SECONDS));
            CompletableFuture<float[][]> passage = request(
                    () -> worker.embed(model, List.of("t2"), Embedder.Purpose.PASSAGE, ModelWorker.Priority.BULK));
            awaitQueued(worker, 1);
            CompletableFuture<float[][]> query = request(
                    () -> worker.embed(model, List.of("t3"), Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE));
            awaitQueued(worker, 2);
            model.release.countDown();
            first.get(10, TimeUnit.SECONDS);
            assertArrayEquals(new float[][] {{2}}, passage.get(10, TimeUnit.SECONDS));
            assertArrayEquals(new float[][] {{3}}, query.get(10, TimeUnit.SECONDS));
            assertEquals(List.of(List.of("t1"), List.of("t3"), List.of("t2")), model.calls);
        }
    }

    @Test
    void aLargeCallIsEmbeddedInPartsAndAQueryArrivingMeanwhileWaitsForOnePartAtMost() throws Exception {
        ScriptedModel model = new ScriptedModel();
        try (ModelWorker worker = new ModelWorker(1)) {
            CompletableFuture<float[][]> first = request(
                    () -> worker.embed(model, List.of("t1"), Embedder.Purpose.PASSAGE, ModelWorker.Priority.BULK));
            assertTrue(model.entered.await(10, TimeUnit.SECONDS));
            List<String> many = new ArrayList<>();
            for (int i = 100; i < 140; i++) {
                many.add("t" + i);
            }
            CompletableFuture<float[][]> bulk = request(
                    () -> worker.embed(model, many, Embedder.Purpose.PASSAGE, ModelWorker.Priority.BULK));
            int parts = (many.size() + DjlEmbedder.MAX_BATCH - 1)
                    / DjlEmbedder.MAX_BATCH;
            awaitQueued(worker, parts);
            CompletableFuture<float[][]> query = request(
                    () -> worker.embed(model, List.of("t7"), Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE));
            awaitQueued(worker, parts + 1);
            model.release.countDown();

            assertArrayEquals(new float[][] {{7}}, query.get(10, TimeUnit.SECONDS));
            float[][] vectors = bulk.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < many.size(); i++) {
                assertArrayEquals(new float[] {100 + i}, vectors[i], "vector " + i + " in order");
            }
            first.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("t7"), model.calls.get(1), "the query went before the bulk call's parts: " + model.calls);
            assertEquals(parts + 2, model.calls.size());
            assertTrue(model.calls.stream().allMatch(c -> c.size() <= DjlEmbedder.MAX_BATCH));
        }
    }

    @Test
    void aLoneQueryRunsOnItsCallersThreadAndOneArrivingMeanwhileWaitsForTheWorker() throws Exception {
        ScriptedModel model = new ScriptedModel();
        try (ModelWorker worker = new ModelWorker(1)) {
            Thread[] caller = new Thread[1];
            CompletableFuture<float[][]> lone = request(() -> {
                caller[0] = Thread.currentThread();
                return worker.embed(model, List.of("t1"), Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE);
            });
            assertTrue(model.entered.await(10, TimeUnit.SECONDS));
            CompletableFuture<float[][]> second = request(
                    () -> worker.embed(model, List.of("t2"), Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE));
            awaitQueued(worker, 1);
            assertEquals(1, model.calls.size(), "the second query did not run beside the first: " + model.calls);
            model.release.countDown();

            assertArrayEquals(new float[][] {{1}}, lone.get(10, TimeUnit.SECONDS));
            assertArrayEquals(new float[][] {{2}}, second.get(10, TimeUnit.SECONDS));
            assertEquals(caller[0], model.callers.get(0), "the lone query ran on its caller's thread");
            assertEquals("model-http", model.callers.get(1).getName(), "the waiting one ran on the worker");
        }
    }

    @Test
    void aFailingForwardPassFailsTheCallsInItWithTheModelsErrorAndTheWorkerGoesOn() throws Exception {
        ScriptedModel model = new ScriptedModel();
        model.failOn = "t2";
        try (ModelWorker worker = new ModelWorker(1)) {
            model.release.countDown();
            Embedder.EmbeddingException e = assertThrows(Embedder.EmbeddingException.class,
                    () -> worker.embed(model, List.of("t2"), Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE));
            assertTrue(e.getMessage().contains("scripted failure on t2"), e.getMessage());
            assertArrayEquals(new float[][] {{5}}, worker.embed(model, List.of("t5"), Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE));
        }
    }

    @Test
    void closeReturnsOnlyOnceTheForwardPassOnACallersThreadIsDone() throws Exception {
        ScriptedModel model = new ScriptedModel();
        ModelWorker worker = new ModelWorker(1);
        CompletableFuture<float[][]> query = request(() -> worker.embed(model, List.of("t1"), Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE));
        assertTrue(model.entered.await(10, TimeUnit.SECONDS));
        CompletableFuture<Void> closing = CompletableFuture.runAsync(worker::close, REQUESTS);
        Thread.sleep(300);
        assertFalse(closing.isDone(), "close returned while a forward pass was running");
        model.release.countDown();
        closing.get(10, TimeUnit.SECONDS);
        assertArrayEquals(new float[][] {{1}}, query.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aClosedWorkerRefusesCalls() throws Exception {
        ScriptedModel model = new ScriptedModel();
        ModelWorker worker = new ModelWorker(1);
        worker.close();
        worker.awaitStopped();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> worker.embed(model, List.of("t1"), Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE));
        assertTrue(e.getMessage().contains("stopped"), e.getMessage());
        assertFalse(model.entered.getCount() == 0, "the model was never called");
    }

    @Test
    void bulkCallsPastTheirLimitAreRefusedAtOnceWhileSearchesStillQueue() throws Exception {
        ScriptedModel model = new ScriptedModel();
        try (ModelWorker worker = new ModelWorker(1)) {
            List<CompletableFuture<float[][]>> bulk = new ArrayList<>();
            bulk.add(request(() -> worker.embed(model, List.of("t1"), Embedder.Purpose.PASSAGE,
                    ModelWorker.Priority.BULK)));
            assertTrue(model.entered.await(10, TimeUnit.SECONDS));
            for (int i = 2; i <= ModelWorker.MAX_BULK_CALLS; i++) {
                String text = "t" + i;
                bulk.add(request(() -> worker.embed(model, List.of(text), Embedder.Purpose.QUERY,
                        ModelWorker.Priority.BULK)));
            }
            awaitQueued(worker, ModelWorker.MAX_BULK_CALLS - 1);
            assertThrows(ModelWorker.Overloaded.class, () -> worker.embed(model, List.of("t99"),
                    Embedder.Purpose.PASSAGE, ModelWorker.Priority.BULK), "a purpose of 'query' buys no place");
            CompletableFuture<float[][]> search = request(() -> worker.embed(model, List.of("t50"),
                    Embedder.Purpose.QUERY, ModelWorker.Priority.INTERACTIVE));
            awaitQueued(worker, ModelWorker.MAX_BULK_CALLS);
            model.release.countDown();
            assertArrayEquals(new float[][] {{50}}, search.get(10, TimeUnit.SECONDS));
            for (CompletableFuture<float[][]> call : bulk) {
                call.get(10, TimeUnit.SECONDS);
            }
            // First in the next pass (which the bulk texts of the same purpose may share).
            assertEquals("t50", model.calls.get(1).getFirst(), "the search went first: " + model.calls);
            assertFalse(model.calls.stream().anyMatch(c -> c.contains("t99")));
        }
    }

    @Test
    void aCallerWaitsNoLongerThanTheDeadlineAndItsTextsAreThenNotEmbedded() throws Exception {
        ScriptedModel model = new ScriptedModel();
        try (ModelWorker worker = new ModelWorker(1, Duration.ofMillis(300))) {
            CompletableFuture<float[][]> first = request(() -> worker.embed(model, List.of("t1"),
                    Embedder.Purpose.PASSAGE, ModelWorker.Priority.BULK));
            assertTrue(model.entered.await(10, TimeUnit.SECONDS));
            long start = System.nanoTime();
            assertThrows(ModelWorker.TimedOut.class, () -> worker.embed(model, List.of("t2"),
                    Embedder.Purpose.PASSAGE, ModelWorker.Priority.BULK));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
            assertThrows(ExecutionException.class, () -> first.get(10, TimeUnit.SECONDS),
                    "the first call, still in the model, ends at its deadline too");
            model.release.countDown();
            CompletableFuture<float[][]> after = request(() -> worker.embed(model, List.of("t3"),
                    Embedder.Purpose.PASSAGE, ModelWorker.Priority.BULK));
            assertArrayEquals(new float[][] {{3}}, after.get(10, TimeUnit.SECONDS));
            assertFalse(model.calls.stream().anyMatch(c -> c.contains("t2")), "a timed-out call's texts: " + model.calls);
        }
    }

    /** Calls as the service makes them: each on a virtual thread of its own, as a request. */
    private static <T> CompletableFuture<T> request(final Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, REQUESTS);
    }

    private static void awaitQueued(final ModelWorker worker, final int calls) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (worker.queued() < calls) {
            assertTrue(System.nanoTime() < deadline, "only " + worker.queued() + " calls queued");
            Thread.sleep(5);
        }
    }
}
