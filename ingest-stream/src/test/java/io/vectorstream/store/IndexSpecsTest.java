package io.vectorstream.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Stored index specs: what today's ranges refuse takes its default; the rest is kept as stored. */
class IndexSpecsTest {

    @Test
    void parametersOutOfTodaysRangesAreDroppedAndTheOthersKept() {
        assertEquals("{\"kind\":\"lsh\",\"params\":{\"bits\":6}}", IndexSpecs.tolerated(
                "{\"kind\":\"lsh\",\"params\":{\"tables\":100,\"probes\":2.5,\"bits\":6}}", 8).toString());
        // collisions 30 was fine beside 100 tables, not beside the default 24.
        assertEquals("{\"kind\":\"lsh\",\"params\":{}}", IndexSpecs.tolerated(
                "{\"kind\":\"lsh\",\"params\":{\"tables\":100,\"collisions\":30}}", 8).toString());
        String valid = "{\"kind\":\"ivf\",\"params\":{\"nlist\":8,\"sq8\":0}}";
        assertEquals(valid, IndexSpecs.tolerated(valid, 8).toString());
        // Projections too large for the library's dimension (an earlier version allowed them): the
        // parameters take their defaults, which fit.
        assertEquals("{\"kind\":\"lsh\",\"params\":{}}", IndexSpecs.tolerated(
                "{\"kind\":\"lsh\",\"params\":{\"tables\":64,\"bits\":62}}", 4096).toString());
    }

    @Test
    void aGraphLibrarysShardsSearchWithANarrowerBeamTheMoreShardsThereAreAndTheOtherKindsWithTheirOwn() {
        String graph = "{\"kind\":\"hnsw\"}";
        assertEquals(64, IndexSpecs.defaultEfPerShard(graph, 1), "one shard: the index's own default");
        assertEquals(49, IndexSpecs.defaultEfPerShard(graph, 3), "64 / 3^(1/4) = 48.6");
        assertEquals(41, IndexSpecs.defaultEfPerShard(graph, 6));
        assertEquals(72, IndexSpecs.defaultEfPerShard("{\"kind\":\"hnsw\",\"params\":{\"efSearch\":128}}", 10),
                "the library's own efSearch, narrowed: 128 / 10^(1/4) = 71.98");
        assertEquals(0, IndexSpecs.defaultEfPerShard("{\"kind\":\"ivf\"}", 3), "not a graph: no beam");
        assertEquals(0, IndexSpecs.defaultEfPerShard("{\"kind\":\"flat\"}", 3));
    }

    @Test
    void anUnknownKindIsStillAnError() {
        assertThrows(IllegalArgumentException.class, () -> IndexSpecs.tolerated("{\"kind\":\"annoy\"}", 8));
    }
}
