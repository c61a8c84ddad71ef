package io.vectorstream.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Index parameters as a library's JSON gives them: bounded, whole where they count, named when wrong. */
class IndexFactoryTest {

    private static VectorIndex<Integer> create(final String kind, final Map<String, ? extends Number> params) {
        return IndexFactory.create(kind, 8, Metric.COSINE, params);
    }

    private static String refusedParameter(final String kind, final Map<String, ? extends Number> params) {
        return assertThrows(InvalidIndexParameter.class, () -> create(kind, params)).parameter();
    }

    @Test
    void defaultsAndTheCeilingsThemselvesAreAccepted() {
        assertInstanceOf(IvfIndex.class, create("ivf", Map.of()));
        assertInstanceOf(LshIndex.class, create("lsh", Map.of()));
        create("ivf", Map.of("nlist", IvfParams.MAX_NLIST, "nprobe", IvfParams.MAX_NLIST,
                "samplePerList", IvfParams.MAX_SAMPLE_PER_LIST, "iterations", IvfParams.MAX_ITERATIONS,
                "rerank", 1_000, "retrainGrowth", 1_000, "trainThreshold", Integer.MAX_VALUE));
        create("lsh", Map.of("tables", LshParams.MAX_TABLES, "collisions", LshParams.MAX_TABLES, "bits", 62,
                "probes", LshParams.MAX_PROBES));
    }

    @Test
    void valuesPastACeilingAreRefusedNamingTheParameter() {
        assertEquals("nlist", refusedParameter("ivf", Map.of("nlist", IvfParams.MAX_NLIST + 1)));
        assertEquals("nprobe", refusedParameter("ivf", Map.of("nprobe", IvfParams.MAX_NLIST + 1)));
        assertEquals("samplePerList", refusedParameter("ivf", Map.of("samplePerList", IvfParams.MAX_SAMPLE_PER_LIST + 1)));
        assertEquals("iterations", refusedParameter("ivf", Map.of("iterations", IvfParams.MAX_ITERATIONS + 1)));
        assertEquals("rerank", refusedParameter("ivf", Map.of("rerank", 1_001)));
        assertEquals("retrainGrowth", refusedParameter("ivf", Map.of("retrainGrowth", 1.0)));
        assertEquals("retrainGrowth", refusedParameter("ivf", Map.of("retrainGrowth", IvfParams.MIN_RETRAIN_GROWTH - 0.01)),
                "a growth near 1 would retrain at almost every insert");
        assertEquals("retrainGrowth", refusedParameter("ivf", Map.of("retrainGrowth", Double.POSITIVE_INFINITY)));
        assertEquals("trainThreshold", refusedParameter("ivf", Map.of("trainThreshold", 0)));
        assertEquals("tables", refusedParameter("lsh", Map.of("tables", 1_000_000)));
        assertEquals("bits", refusedParameter("lsh", Map.of("bits", 63)));
        assertEquals("probes", refusedParameter("lsh", Map.of("probes", LshParams.MAX_PROBES + 1)));
        assertEquals("collisions", refusedParameter("lsh", Map.of("tables", 4, "collisions", 5)));
        assertEquals("width", refusedParameter("lsh", Map.of("width", -1)));
        assertEquals("width", refusedParameter("lsh", Map.of("width", Double.NaN)));
        String message = assertThrows(InvalidIndexParameter.class,
                () -> create("lsh", Map.of("tables", 1_000_000))).getMessage();
        assertTrue(message.contains("[1, " + LshParams.MAX_TABLES + "]") && message.contains("1000000"), message);
    }

    @Test
    void wholeNumbersAreNotRoundedOrWrapped() {
        assertEquals(8, ((IvfIndex<?>) create("ivf", Map.of("nlist", 8.0))).params().nlist());
        assertEquals(8, ((IvfIndex<?>) create("ivf", Map.of("nlist", new BigDecimal("8.00")))).params().nlist());
        assertEquals("nlist", refusedParameter("ivf", Map.of("nlist", 2.7)));
        assertEquals("nlist", refusedParameter("ivf", Map.of("nlist", 1e12)));
        // 2^32 + 8 would be 8 after a cast to int.
        assertEquals("nlist", refusedParameter("ivf", Map.of("nlist", (1L << 32) + 8)));
        assertEquals("seed", refusedParameter("ivf", Map.of("seed", new BigInteger("99999999999999999999"))));
        assertEquals("seed", refusedParameter("lsh", Map.of("seed", 0.5)));
        assertEquals(Long.MAX_VALUE, ((IvfIndex<?>) create("ivf", Map.of("seed", Long.MAX_VALUE))).params().seed());
    }

    @Test
    void sq8IsZeroOrOne() {
        assertFalse(((IvfIndex<?>) create("ivf", Map.of("sq8", 0))).params().sq8());
        assertTrue(((IvfIndex<?>) create("ivf", Map.of("sq8", 1))).params().sq8());
        assertEquals("sq8", refusedParameter("ivf", Map.of("sq8", 2)));
        assertEquals("sq8", refusedParameter("lsh", Map.of("sq8", -1)));
        assertEquals("sq8", refusedParameter("flat", Map.of("sq8", 2)));
        assertEquals("lsh", create("lsh", Map.of("sq8", 0)).kind());
    }

    @Test
    void unknownParametersAreNamed() {
        assertEquals("lists", refusedParameter("ivf", Map.of("lists", 4)));
        assertEquals("nlist", refusedParameter("flat", Map.of("nlist", 4)));
        assertEquals("nlist", refusedParameter("lsh", Map.of("nlist", 4)));
    }

    @Test
    void lshProjectionsPastTheirMemoryCapAreRefusedForTheLibrarysDimension() {
        Map<String, Integer> largest = Map.of("tables", LshParams.MAX_TABLES, "bits", 62);
        IndexFactory.check("lsh", largest, 8);
        InvalidIndexParameter refused = assertThrows(InvalidIndexParameter.class,
                () -> IndexFactory.check("lsh", largest, 4096));
        assertEquals("tables", refused.parameter());
        assertTrue(refused.getMessage().contains("16 MiB"), refused.getMessage());
        assertThrows(InvalidIndexParameter.class,
                () -> IndexFactory.create("lsh", 4096, Metric.COSINE, largest), "nothing is allocated for it either");
        IndexFactory.check("lsh", Map.of(), 4096); // the defaults fit the largest dimension
    }
}
