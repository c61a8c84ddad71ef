package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bounded heap keeps exactly the k highest internal scores of everything offered (the k nearest
 * under l2, where the internal score is the negative squared distance), drains them best first with
 * caller-facing scores, and agrees with sorting every candidate.
 */
class TopKTest {

    /** A candidate as the test offered it: its internal score and the caller-facing score it should map to. */
    private record Candidate(int key, float internal, float user) {
    }

    /** An internal score for {@code metric}: a similarity for cosine/dot, a negative squared distance for l2. */
    private static Candidate candidate(final Random random, final int key, final Metric metric) {
        return switch (metric) {
            case COSINE -> {
                float similarity = random.nextFloat() * 2 - 1;
                yield new Candidate(key, similarity, similarity);
            }
            case DOT -> {
                float product = (float) (random.nextGaussian() * 10);
                yield new Candidate(key, product, product);
            }
            case L2 -> {
                float distance = random.nextFloat() * 5;
                float squared = distance * distance;
                yield new Candidate(key, -squared, (float) Math.sqrt(squared));
            }
        };
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void keepsTheKBestOfManyAndDrainsThemBestFirstLikeASortOfAllCandidates(final Metric metric) {
        Random random = new Random(17);
        for (int trial = 0; trial < 50; trial++) {
            int k = 1 + random.nextInt(40);
            int n = random.nextInt(2_000);
            List<Candidate> all = new ArrayList<>();
            Set<Float> used = new HashSet<>();
            TopK<Integer> top = new TopK<>(k);
            for (int i = 0; i < n; i++) {
                Candidate c = candidate(random, i, metric);
                if (!used.add(c.internal())) {
                    continue; // distinct scores, so the expected keys and their order are determined
                }
                all.add(c);
                top.offer(c.key(), c.internal());
            }
            List<Candidate> sorted = new ArrayList<>(all);
            sorted.sort(Comparator.comparingDouble(Candidate::internal).reversed());
            List<Candidate> expected = sorted.subList(0, Math.min(k, all.size()));

            List<Hit<Integer>> hits = top.drainBestFirst(metric);
            assertEquals(expected.size(), hits.size(), "k=" + k + " n=" + all.size());
            for (int i = 0; i < hits.size(); i++) {
                assertEquals(expected.get(i).key(), hits.get(i).key(), "rank " + i + " k=" + k + " n=" + n);
                assertEquals(expected.get(i).user(), hits.get(i).score(), 1e-6f * Math.max(1f, Math.abs(expected.get(i).user())));
            }
        }
    }

    @Test
    void underL2TheNearestComeFirstAsAscendingEuclideanDistances() {
        TopK<String> top = new TopK<>(3);
        // Offered as negative squared distances: 9 -> 3, 1 -> 1, 16 -> 4, 4 -> 2, 0 -> 0.
        top.offer("three", -9f);
        top.offer("one", -1f);
        top.offer("four", -16f);
        top.offer("two", -4f);
        top.offer("zero", -0f);
        List<Hit<String>> hits = top.drainBestFirst(Metric.L2);
        assertEquals(List.of(new Hit<>("zero", 0f), new Hit<>("one", 1f), new Hit<>("two", 2f)), hits);
    }

    @Test
    void underDotTheHighestProductsComeFirstIncludingNegativeOnes() {
        TopK<String> top = new TopK<>(2);
        top.offer("a", -3f);
        top.offer("b", -1f);
        top.offer("c", -2f);
        assertEquals(List.of(new Hit<>("b", -1f), new Hit<>("c", -2f)), top.drainBestFirst(Metric.DOT));
    }

    @Test
    void keepsEverythingBestFirstWhenKExceedsWhatWasOffered() {
        TopK<Integer> top = new TopK<>(100);
        float[] scores = {0.3f, -0.7f, 0.9f, 0.1f, 0.5f};
        for (int i = 0; i < scores.length; i++) {
            top.offer(i, scores[i]);
        }
        assertEquals(List.of(2, 4, 0, 3, 1), top.drainBestFirst(Metric.COSINE).stream().map(Hit::key).toList());
        assertTrue(new TopK<Integer>(5).drainBestFirst(Metric.DOT).isEmpty(), "nothing offered, nothing drained");
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void withManyTiesKeepsKDistinctKeysWhoseScoresAreTheKBest(final Metric metric) {
        Random random = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            int k = 1 + random.nextInt(30);
            int n = random.nextInt(500);
            Map<Integer, Float> internalOf = new HashMap<>();
            List<Float> allScores = new ArrayList<>();
            TopK<Integer> top = new TopK<>(k);
            for (int key = 0; key < n; key++) {
                // Only five distinct scores: most candidates tie with others, also at the cut.
                float internal = metric == Metric.L2 ? -random.nextInt(5) : random.nextInt(5) - 2;
                internalOf.put(key, internal);
                allScores.add(internal);
                top.offer(key, internal);
            }
            allScores.sort(Comparator.reverseOrder());
            List<Hit<Integer>> hits = top.drainBestFirst(metric);
            assertEquals(Math.min(k, n), hits.size());
            Set<Integer> keys = new HashSet<>();
            for (int i = 0; i < hits.size(); i++) {
                Hit<Integer> hit = hits.get(i);
                assertTrue(keys.add(hit.key()), "key returned twice: " + hit.key());
                float internal = internalOf.get(hit.key());
                // The hit carries the score its own key was offered with, and the multiset is the k best.
                assertEquals(Similarity.toUserScore(metric, internal), hit.score());
                assertEquals(allScores.get(i), internal, "rank " + i);
            }
            // Whatever was left out scores no better than the worst kept.
            if (!hits.isEmpty()) {
                float worstKept = internalOf.get(hits.getLast().key());
                for (Map.Entry<Integer, Float> e : internalOf.entrySet()) {
                    if (!keys.contains(e.getKey())) {
                        assertTrue(e.getValue() <= worstKept, "left out " + e.getKey() + " scoring " + e.getValue());
                    }
                }
            }
        }
    }

    @Test
    void thresholdIsNegativeInfinityUntilFullThenTheWorstKeptScore() {
        Random random = new Random(8);
        int k = 10;
        TopK<Integer> top = new TopK<>(k);
        List<Float> seen = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            if (seen.size() < k) {
                assertEquals(Float.NEGATIVE_INFINITY, top.threshold(), "not yet full after " + i);
            } else {
                List<Float> sorted = new ArrayList<>(seen);
                sorted.sort(Comparator.reverseOrder());
                assertEquals(sorted.get(k - 1), top.threshold(), "after " + i);
            }
            float score = (float) random.nextGaussian();
            seen.add(score);
            top.offer(i, score);
        }
    }

    @Test
    void ignoresNaNScoresSoLaterCandidatesStillEnter() {
        TopK<String> top = new TopK<>(2);
        top.offer("nan", Float.NaN);
        top.offer("low", -5f);
        top.offer("nan2", Float.NaN);
        top.offer("high", 5f);
        top.offer("mid", 1f);
        assertEquals(List.of("high", "mid"), top.drainBestFirst(Metric.DOT).stream().map(Hit::key).toList());
    }

    @Test
    void kZeroKeepsNothing() {
        TopK<String> top = new TopK<>(0);
        top.offer("a", 1f);
        assertTrue(top.drainBestFirst(Metric.DOT).isEmpty());
    }

    @Test
    void drainingEmptiesItAndItCanBeFilledAgain() {
        TopK<Integer> top = new TopK<>(3);
        for (int i = 0; i < 10; i++) {
            top.offer(i, i);
        }
        assertEquals(List.of(9, 8, 7), top.drainBestFirst(Metric.DOT).stream().map(Hit::key).toList());
        assertTrue(top.drainBestFirst(Metric.DOT).isEmpty(), "drained twice");
        assertEquals(Float.NEGATIVE_INFINITY, top.threshold(), "empty again");
        for (int i = 0; i < 10; i++) {
            top.offer(100 + i, -i); // all worse than the first round's: nothing stale may survive
        }
        assertEquals(List.of(100, 101, 102), top.drainBestFirst(Metric.DOT).stream().map(Hit::key).toList());
    }

    @Test
    void aFilterIsAskedOnlyAboutCandidatesThatWouldBeKeptAndKeepsTheBestMatches() {
        Random random = new Random(5);
        for (int trial = 0; trial < 50; trial++) {
            int k = 1 + random.nextInt(20);
            TopK<Integer> filtered = new TopK<>(k);
            TopK<Integer> ofMatches = new TopK<>(k);
            Set<Integer> asked = new HashSet<>();
            int n = 3_000;
            for (int i = 0; i < n; i++) {
                float score = random.nextFloat();
                int key = i;
                float threshold = filtered.threshold();
                filtered.offer(key, score, candidate -> {
                    assertTrue(score > threshold, "asked about " + candidate + " that could not enter");
                    asked.add(candidate);
                    return candidate % 7 == 0;
                });
                if (key % 7 == 0) {
                    ofMatches.offer(key, score);
                }
            }
            assertEquals(ofMatches.drainBestFirst(Metric.DOT), filtered.drainBestFirst(Metric.DOT), "k=" + k);
            assertTrue(asked.size() < n / 2, "the filter ran for " + asked.size() + " of " + n + " candidates");
        }
    }
}
