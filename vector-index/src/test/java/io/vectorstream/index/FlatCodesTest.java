package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.testing.SyntheticData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A flat index that scans 8-bit codes ({@code sq8}, the default) answers exactly what scoring every
 * float answers: same keys, same scores, for every metric, on data where the codes' error is large
 * next to the gaps between scores (near-duplicates), on vectors of very different lengths, and for
 * filtered and among-ordinals searches.
 */
class FlatCodesTest {

    private static final int K = 10;

    @Test
    void codesAnswerAsTheFloatsOnClusteredData() {
        float[][] vectors = SyntheticData.forSize(4_000, 96, 3).vectors(4_000, 11);
        float[][] queries = SyntheticData.forSize(4_000, 96, 3).vectors(40, 12);
        for (Metric metric : Metric.values()) {
            assertSameAnswers(vectors, queries, metric, null, "clustered " + metric);
        }
    }

    @Test
    void codesAnswerAsTheFloatsAmongNearDuplicates() {
        // Groups of 50 vectors within 1e-3 of one another: their scores differ by less than the
        // codes' error, so only the exact re-rank can order them.
        Random random = new Random(5);
        int dimension = 37; // not a multiple of any lane count
        float[][] centres = gaussian(random, 40, dimension, 1f);
        float[][] vectors = new float[2_000][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = centres[i % centres.length].clone();
            for (int d = 0; d < dimension; d++) {
                vectors[i][d] += (float) random.nextGaussian() * 1e-3f;
            }
        }
        float[][] queries = gaussian(random, 30, dimension, 1f);
        for (Metric metric : Metric.values()) {
            assertSameAnswers(vectors, queries, metric, null, "near-duplicates " + metric);
        }
    }

    @Test
    void codesAnswerAsTheFloatsForVectorsOfVeryDifferentLengths() {
        // Lengths from 1e-3 to 1e3 (dot and l2 see them; one outlier component per vector too).
        Random random = new Random(9);
        float[][] vectors = gaussian(random, 3_000, 64, 1f);
        for (int i = 0; i < vectors.length; i++) {
            float length = (float) Math.pow(10, -3 + 6 * random.nextDouble());
            for (int d = 0; d < 64; d++) {
                vectors[i][d] *= length;
            }
            vectors[i][random.nextInt(64)] *= 20;
        }
        float[][] queries = gaussian(random, 30, 64, 300f);
        for (Metric metric : Metric.values()) {
            assertSameAnswers(vectors, queries, metric, null, "lengths " + metric);
        }
    }

    @Test
    void aFilteredScanOfTheCodesAnswersAsTheFloats() {
        float[][] vectors = SyntheticData.forSize(3_000, 48, 7).vectors(3_000, 21);
        float[][] queries = SyntheticData.forSize(3_000, 48, 7).vectors(20, 22);
        for (Metric metric : Metric.values()) {
            assertSameAnswers(vectors, queries, metric, key -> key.ordinal() % 7 == 3, "filtered " + metric);
        }
    }

    @Test
    void theMatchesScoredByTheirCodesAreTheExactBestOfThem() {
        float[][] vectors = SyntheticData.forSize(3_000, 48, 7).vectors(3_000, 31);
        float[][] queries = SyntheticData.forSize(3_000, 48, 7).vectors(20, 32);
        for (Metric metric : Metric.values()) {
            FlatIndex<Id> coded = filled(vectors, metric, true);
            FlatIndex<Id> floats = filled(vectors, metric, false);
            coded.remove(new Id(12)); // an ordinal no longer held is skipped
            floats.remove(new Id(12));
            List<Integer> matches = IntStream.range(0, vectors.length).filter(i -> i % 10 == 2).boxed().toList();
            for (float[] query : queries) {
                assertSameHits(floats.searchAmongOrdinals(query, K, () -> OrdinalBatches.of(matches.stream().mapToInt(i -> i).iterator())),
                        coded.searchAmongOrdinals(query, K, () -> OrdinalBatches.of(matches.stream().mapToInt(i -> i).iterator())),
                        "among ordinals " + metric);
            }
        }
    }

    @Test
    void theCodesCostAQuarterMoreMemoryAndCanBeLeftOut() {
        float[][] vectors = SyntheticData.forSize(2_048, 384, 3).vectors(2_048, 1);
        long coded = filled(vectors, Metric.COSINE, true).memoryBytes();
        long floats = filled(vectors, Metric.COSINE, false).memoryBytes();
        // 384 bytes of codes, three floats and a version per slot.
        assertEquals(2_048L * (384 + 16), coded - floats);
        VectorIndex<Integer> withoutCodes = IndexFactory.create("flat", 384, Metric.COSINE, Map.of("sq8", 0));
        VectorIndex<Integer> withCodes = IndexFactory.create("flat", 384, Metric.COSINE, Map.of());
        for (int i = 0; i < 100; i++) {
            withoutCodes.put(i, vectors[i]);
            withCodes.put(i, vectors[i]);
        }
        assertTrue(withCodes.stats().memoryBytes() > withoutCodes.stats().memoryBytes());
        InvalidIndexParameter refused = assertThrows(InvalidIndexParameter.class,
                () -> IndexFactory.create("flat", 384, Metric.COSINE, Map.of("sq8", 2)));
        assertEquals("sq8", refused.parameter());
    }

    @Test
    void aCandidateRewrittenBeforeItsExactScoreMakesTheRerankGiveUp() {
        BoundedCandidates candidates = new BoundedCandidates(2);
        assertTrue(candidates.add(0, "a", 1, 0.5f, 0.6f));
        assertTrue(candidates.add(1, "b", 1, 0.4f, 0.55f));
        assertTrue(candidates.add(2, "c", 1, 0.1f, 0.2f)); // below the second-best lower end: ruled out
        TopK<String> top = new TopK<>(2);
        List<Integer> scored = new ArrayList<>();
        assertTrue(candidates.rerankInto(top, (slot, key, version) -> {
            scored.add(slot);
            return Float.floatToIntBits(slot == 0 ? 0.55f : 0.5f);
        }));
        assertEquals(List.of(0, 1), scored, "best upper end first; the ruled-out one never scored");
        assertEquals(List.of("a", "b"), top.drainBestFirst(Metric.DOT).stream().map(Hit::key).toList());

        BoundedCandidates again = new BoundedCandidates(2);
        again.add(0, "a", 1, 0.5f, 0.6f);
        again.add(1, "b", 7, 0.4f, 0.55f);
        assertFalse(again.rerankInto(new TopK<String>(2), (slot, key, version) -> version == 7
                ? BoundedCandidates.CHANGED : Float.floatToIntBits(0.55f)));
    }

    @Test
    void aVectorPutAgainUnderTheSameKeyObjectIsScoredAsItIsNow() {
        // The same key object rewritten in place: the slot's version moves though its key does not.
        FlatIndex<String> index = new FlatIndex<>(3, Metric.DOT);
        String key = "k";
        index.put(key, new float[] {1, 0, 0});
        index.put("other", new float[] {0, 1, 0});
        index.put(key, new float[] {0, 0, 2});
        List<Hit<String>> hits = index.search(new float[] {0, 0, 1}, 1, SearchParams.DEFAULT, null);
        assertEquals("k", hits.get(0).key());
        assertEquals(2f, hits.get(0).score(), 1e-6);
    }

    @Test
    void vectorsTooLongForTheBoundsAreFoundByTheFloats() {
        // Under l2 the rounding margin grows with the squared lengths: vectors all 1e17 long
        // differ in score far less than it, nothing is ruled out, and past the candidates' ceiling
        // the scan gives up for the floats.
        Random random = new Random(3);
        float[][] vectors = gaussian(random, BoundedCandidates.MAX_CANDIDATES + 5_000, 4, 1f);
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = Similarity.scaledToUnit(vectors[i], Similarity.norm(vectors[i]) / 1e17, new float[4]);
        }
        float[][] queries = gaussian(random, 3, 4, 1f);
        assertSameAnswers(vectors, queries, Metric.L2, null, "huge l2");
    }

    private static void assertSameAnswers(final float[][] vectors, final float[][] queries, final Metric metric,
                                          final Predicate<Id> allow, final String what) {
        FlatIndex<Id> coded = filled(vectors, metric, true);
        FlatIndex<Id> floats = filled(vectors, metric, false);
        for (int i = 0; i < vectors.length; i += 97) { // removed ones never come back
            coded.remove(new Id(i));
            floats.remove(new Id(i));
        }
        for (float[] query : queries) {
            assertSameHits(floats.search(query, K, SearchParams.DEFAULT, allow),
                    coded.search(query, K, SearchParams.DEFAULT, allow), what);
        }
    }

    /**
     * The same scores up to the last bits (the Vector API's lane sums round differently compiled
     * than interpreted) and the same keys, but where two scores tie to within that rounding.
     */
    private static void assertSameHits(final List<Hit<Id>> expected, final List<Hit<Id>> actual, final String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            float score = expected.get(i).score();
            float tolerance = 1e-5f * Math.max(1f, Math.abs(score));
            assertEquals(score, actual.get(i).score(), tolerance, what + " score " + i);
            boolean tied = i > 0 && Math.abs(expected.get(i - 1).score() - score) <= tolerance
                    || i + 1 < expected.size() && Math.abs(expected.get(i + 1).score() - score) <= tolerance;
            if (!tied) {
                assertEquals(expected.get(i).key(), actual.get(i).key(), what + " key " + i);
            }
        }
    }

    private static FlatIndex<Id> filled(final float[][] vectors, final Metric metric, final boolean sq8) {
        FlatIndex<Id> index = new FlatIndex<>(vectors[0].length, metric, new FlatParams(sq8));
        for (int i = 0; i < vectors.length; i++) {
            index.put(new Id(i), metric == Metric.COSINE ? Similarity.normalized(vectors[i]) : vectors[i]);
        }
        return index;
    }

    private static float[][] gaussian(final Random random, final int n, final int dimension, final float scale) {
        float[][] out = new float[n][dimension];
        for (float[] v : out) {
            for (int d = 0; d < dimension; d++) {
                v[d] = (float) random.nextGaussian() * scale;
            }
        }
        return out;
    }

    /** A key that is its own ordinal. */
    private record Id(int ordinal) implements Ordinal {
    }
}
