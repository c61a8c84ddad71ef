package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FlatIndexTest {

    @ParameterizedTest
    @EnumSource(Metric.class)
    void returnsExactlyTheBruteForceTopKAcrossSegments(final Metric metric) {
        Random random = new Random(42);
        int dimension = 24;
        FlatIndex<Integer> index = new FlatIndex<>(dimension, metric);
        Map<Integer, float[]> stored = new HashMap<>();
        // More than one segment, with removals and overwrites so slots get reused.
        for (int i = 0; i < 2_500; i++) {
            float[] v = vector(random, dimension, metric);
            index.put(i, v);
            stored.put(i, v);
        }
        for (int i = 0; i < 2_500; i += 3) {
            assertTrue(index.remove(i));
            stored.remove(i);
        }
        for (int i = 1; i < 2_500; i += 7) {
            float[] v = vector(random, dimension, metric);
            index.put(i, v);
            stored.put(i, v);
        }
        for (int i = 10_000; i < 10_300; i++) {
            float[] v = vector(random, dimension, metric);
            index.put(i, v);
            stored.put(i, v);
        }
        assertEquals(stored.size(), index.size());

        for (int q = 0; q < 20; q++) {
            float[] query = vector(random, dimension, Metric.DOT);
            List<Hit<Integer>> hits = index.search(query, 10, SearchParams.DEFAULT, null);
            List<Integer> expected = bruteForce(stored, query, metric, 10);
            assertEquals(expected, hits.stream().map(Hit::key).toList());
            assertEquals(userScore(stored.get(expected.getFirst()), query, metric), hits.getFirst().score(), 1e-4);
        }
    }

    @Test
    void neverReturnsRemovedVectorsAndHonoursTheFilter() {
        FlatIndex<String> index = new FlatIndex<>(2, Metric.DOT);
        index.put("a", new float[] {1, 0});
        index.put("b", new float[] {0.9f, 0});
        index.put("c", new float[] {0.5f, 0});
        assertTrue(index.remove("a"));
        assertFalse(index.remove("a"));
        assertEquals(List.of("b", "c"), index.search(new float[] {1, 0}, 5, SearchParams.DEFAULT, null).stream().map(Hit::key).toList());
        assertEquals(List.of("c"), index.search(new float[] {1, 0}, 5, SearchParams.DEFAULT, "c"::equals).stream().map(Hit::key).toList());
        index.put("a", new float[] {2, 0});
        assertEquals("a", index.search(new float[] {1, 0}, 1, SearchParams.DEFAULT, null).getFirst().key());
    }

    @Test
    void rejectsVectorsOfAnotherDimension() {
        FlatIndex<String> index = new FlatIndex<>(3, Metric.L2);
        assertThrows(IllegalArgumentException.class, () -> index.put("x", new float[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> index.search(new float[] {1, 2}, 1, SearchParams.DEFAULT, null));
    }

    @Test
    void cosineScoresAreSimilaritiesOfUnitVectors() {
        FlatIndex<String> index = new FlatIndex<>(2, Metric.COSINE);
        index.put("x", new float[] {1, 0});
        index.put("diag", Similarity.normalized(new float[] {1, 1}));
        List<Hit<String>> hits = index.search(new float[] {10, 0}, 2, SearchParams.DEFAULT, null);
        assertEquals("x", hits.get(0).key());
        assertEquals(1.0, hits.get(0).score(), 1e-6);
        assertEquals(Math.sqrt(0.5), hits.get(1).score(), 1e-6);
    }

    static float[] vector(final Random random, final int dimension, final Metric metric) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return metric == Metric.COSINE ? Similarity.normalized(v) : v;
    }

    static double userScore(final float[] v, final float[] q, final Metric metric) {
        double dot = 0;
        double l2 = 0;
        double qq = 0;
        for (int i = 0; i < v.length; i++) {
            dot += v[i] * q[i];
            qq += q[i] * q[i];
            l2 += (v[i] - q[i]) * (v[i] - q[i]);
        }
        return switch (metric) {
            case COSINE -> dot / Math.sqrt(qq); // v is unit length
            case DOT -> dot;
            case L2 -> Math.sqrt(l2);
        };
    }

    static List<Integer> bruteForce(final Map<Integer, float[]> stored, final float[] q, final Metric metric,
                                    final int k) {
        Comparator<Integer> byScore = Comparator.comparingDouble(i -> userScore(stored.get(i), q, metric));
        return stored.keySet().stream().sorted(metric == Metric.L2 ? byScore : byScore.reversed()).limit(k).toList();
    }

    @Test
    void manyKeysKeepTheirOwnVectors() {
        FlatIndex<Integer> index = new FlatIndex<>(4, Metric.DOT);
        IntStream.range(0, 5_000).forEach(i -> index.put(i, new float[] {i, 0, 0, 0}));
        assertEquals(4_999, index.search(new float[] {1, 0, 0, 0}, 1, SearchParams.DEFAULT, null).getFirst().key());
        assertEquals(0, index.search(new float[] {-1, 0, 0, 0}, 1, SearchParams.DEFAULT, null).getFirst().key());
    }
}
