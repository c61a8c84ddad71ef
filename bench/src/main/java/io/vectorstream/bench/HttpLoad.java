package io.vectorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.schema.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Searches over HTTP as clients send them: a closed loop (each client sends its next search when
 * the last one is answered) or an open loop (searches sent at a fixed rate whatever the answers
 * do, each timed from when it was due, so that a server that falls behind shows it in the
 * latencies instead of slowing the load down). Every answer's hits are checked against the exact
 * top 10 of its query.
 */
final class HttpLoad {

    /**
     * One load's figures; latencies of the answered searches only.
     *
     * @param offeredQps  the open loop's rate (0 for a closed loop)
     * @param refused     answers 429 or 503 (the server's limit of concurrent requests)
     * @param errors      other failures: another status, a partial answer, no answer
     * @param serverP50Ms the answers' own {@code tookMs} (the search inside the server), p50
     * @param serverP99Ms and p99: the part of the tail the server's handling took; the rest is the
     *                    wait for a thread of the server, the network, or the load generator's own
     */
    record Result(String mode, int clients, double offeredQps, double qps, double recallAt10, double p50Ms,
                  double p95Ms, double p99Ms, int answered, int refused, int errors, double serverP50Ms,
                  double serverP99Ms) {
    }

    private static final int K = 10;

    private final URI base;
    private final String path;
    private final List<byte[]> bodies;
    private final int[][] truth;

    /**
     * @param bodies the search bodies, one per query
     * @param truth  the exact top 10 of each query, as base vector numbers (chunk {@code c<number>});
     *               null when not known (recall is then NaN)
     */
    HttpLoad(final URI base, final String path, final List<byte[]> bodies, final int[][] truth) {
        this.base = base;
        this.path = path;
        this.bodies = bodies;
        this.truth = truth;
    }

    /** {@code searches} searches from {@code clients} clients, each with its own kept-alive connection. */
    Result closed(final int clients, final int searches) {
        Tally tally = new Tally();
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        runThreads(clients, () -> {
            try (KeepAliveClient client = new KeepAliveClient(base)) {
                int i;
                while ((i = next.getAndIncrement()) < searches) {
                    long begin = System.nanoTime();
                    send(client, i, begin, tally);
                }
            }
        });
        return tally.result("closed", clients, 0, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Searches due at {@code rate} per second for {@code seconds}, sent by up to {@code connections}
     * clients at once; each is timed from when it was due.
     */
    Result open(final double rate, final double seconds, final int connections) {
        Tally tally = new Tally();
        int searches = Math.max(1, (int) (rate * seconds));
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime() + 10_000_000L;
        runThreads(connections, () -> {
            try (KeepAliveClient client = new KeepAliveClient(base)) {
                int i;
                while ((i = next.getAndIncrement()) < searches) {
                    long due = start + (long) (i * 1e9 / rate);
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    send(client, i, due, tally);
                }
            }
        });
        return tally.result("open", connections, rate, (System.nanoTime() - start) / 1e9);
    }

    private void send(final KeepAliveClient client, final int i, final long since, final Tally tally) {
        int query = i % bodies.size();
        KeepAliveClient.Answer answer;
        try {
            answer = client.post(path, bodies.get(query));
        } catch (IOException e) {
            tally.errors.add("no answer: " + e.getMessage());
            return;
        }
        long took = System.nanoTime() - since;
        if (answer.status() == 429 || answer.status() == 503) {
            tally.refused.incrementAndGet();
            return;
        }
        JsonNode json = answer.status() == 200 ? parse(answer.body()) : null;
        if (json == null || json.path("partial").asBoolean()) {
            tally.errors.add(answer.status() + " " + answer.body());
            return;
        }
        tally.nanos.add(took);
        if (truth != null) {
            tally.recall.add(recall(json, truth[query]));
        }
        tally.inServer.add(json.path("tookMs").asDouble());
    }

    /** The share of the exact top 10 among an answer's hits. */
    private static double recall(final JsonNode answer, final int[] exact) {
        int found = 0;
        for (JsonNode hit : answer.path("results")) {
            int number = Integer.parseInt(hit.path("chunkId").asText().substring(1));
            for (int t = 0; t < K && t < exact.length; t++) {
                if (exact[t] == number) {
                    found++;
                    break;
                }
            }
        }
        return found / (double) K;
    }

    private static JsonNode parse(final String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static void runThreads(final int count, final Runnable work) {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            threads.add(Thread.ofPlatform().name("bench-client-" + t).start(work));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** What the clients saw, collected from all of them. */
    private static final class Tally {
        final ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Double> recall = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Double> inServer = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        final AtomicInteger refused = new AtomicInteger();

        Result result(final String mode, final int clients, final double offered, final double seconds) {
            long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            double[] server = inServer.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            if (!errors.isEmpty()) {
                System.err.printf("  %d searches failed; the first: %s%n", errors.size(), errors.peek());
            }
            return new Result(mode, clients, offered, sorted.length / seconds,
                    recall.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
                    millisAt(sorted, 0.5), millisAt(sorted, 0.95), millisAt(sorted, 0.99), sorted.length,
                    refused.get(), errors.size(), server.length == 0 ? Double.NaN : server[server.length / 2],
                    server.length == 0 ? Double.NaN : server[Math.min(server.length - 1, (int) (server.length * 0.99))]);
        }
    }

    /** The {@code quantile} of ascending nanosecond timings, in ms; NaN when there are none. */
    static double millisAt(final long[] sortedNanos, final double quantile) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        return sortedNanos[Math.min(sortedNanos.length - 1, (int) (sortedNanos.length * quantile))] / 1e6;
    }

    /** The search bodies of {@code texts}: {@code {"text":"...","k":10}}. */
    static List<byte[]> textBodies(final List<String> texts) {
        List<byte[]> bodies = new ArrayList<>();
        for (String text : texts) {
            bodies.add(Json.MAPPER.createObjectNode().put("text", text).put("k", K).toString()
                    .getBytes(StandardCharsets.UTF_8));
        }
        return bodies;
    }

    /** The search bodies of {@code queries}: {@code {"vector":[...],"k":10}}, as a client sends them. */
    static List<byte[]> searchBodies(final float[][] queries) {
        List<byte[]> bodies = new ArrayList<>();
        for (float[] query : queries) {
            bodies.add(("{\"vector\":" + Arrays.toString(query).replace(" ", "") + ",\"k\":" + K + "}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return bodies;
    }
}
