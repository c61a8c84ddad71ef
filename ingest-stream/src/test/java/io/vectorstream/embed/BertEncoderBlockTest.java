package io.vectorstream.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.vectorstream.index.Similarity;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The forward pass on a tiny random encoder, for what {@link DjlEmbedderTest} (the default model,
 * mean pooling, against ONNX Runtime) does not reach: CLS pooling (BGE's) compiles and runs, and
 * both poolings ignore padding.
 */
class BertEncoderBlockTest {

    private static final BertConfig TINY = new BertConfig(20, 8, 2, 2, 16, 16, 2, 1e-12f);
    private static final long PAD = 0;
    private static NDManager manager;

    @BeforeAll
    static void engine() {
        DjlRuntime.configure();
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @ParameterizedTest
    @EnumSource(Pooling.class)
    void aRowInAPaddedBatchGetsTheVectorItGetsAloneOfUnitLength(final Pooling pooling) {
        BertEncoderBlock block = randomBlock(pooling, 1);
        float[] alone = forward(block, new long[][] {{1, 2, 3}})[0];
        float[][] batch = forward(block, new long[][] {{1, 2, 3, PAD, PAD}, {4, 5, 6, 7, 8}});

        assertArrayEquals(alone, batch[0], 1e-5f, "padding changed the vector");
        assertEquals(1.0, norm(alone), 1e-5);
        assertEquals(1.0, norm(batch[1]), 1e-5);
        assertTrue(Math.abs(Similarity.dot(batch[0], batch[1], 0)) < 0.9999, "different texts, different vectors");
    }

    @ParameterizedTest
    @EnumSource(Pooling.class)
    void oneTokenPoolsToItsOwnHiddenState(final Pooling pooling) {
        float[] pooled = forward(randomBlock(pooling, 2), new long[][] {{7}})[0];
        float[] other = forward(randomBlock(pooling == Pooling.CLS ? Pooling.MEAN : Pooling.CLS, 2), new long[][] {{7}})[0];
        assertArrayEquals(pooled, other, 1e-6f, "CLS and mean pooling of a single token differ");
    }

    /** Rows of token ids, {@link #PAD} for padding; one vector per row. */
    private static float[][] forward(final BertEncoderBlock block, final long[][] rows) {
        int tokens = rows[0].length;
        long[] ids = Arrays.stream(rows).flatMapToLong(Arrays::stream).toArray();
        long[] mask = Arrays.stream(ids).map(id -> id == PAD ? 0 : 1).toArray();
        try (NDManager call = manager.newSubManager()) {
            NDList inputs = new NDList(call.create(ids, new Shape(rows.length, tokens)),
                    call.create(mask, new Shape(rows.length, tokens)));
            float[] flat = block.forward(new ParameterStore(call, false), inputs, false,
                    new PairList<>(List.of(BertEncoderBlock.PRECISION), List.of(Precision.FLOAT32)))
                    .singletonOrThrow().toFloatArray();
            float[][] vectors = new float[rows.length][];
            for (int r = 0; r < rows.length; r++) {
                vectors[r] = Arrays.copyOfRange(flat, r * TINY.hiddenSize(), (r + 1) * TINY.hiddenSize());
            }
            return vectors;
        }
    }

    /** Weights drawn from a seeded normal distribution, in the saved layout (dense weights [in, out]). */
    private static BertEncoderBlock randomBlock(final Pooling pooling, final long seed) {
        BertEncoderBlock block = new BertEncoderBlock(TINY, pooling);
        Random random = new Random(seed);
        int hidden = TINY.hiddenSize();
        for (String name : BertEncoderBlock.parameterNames(TINY.layers())) {
            Shape shape;
            if (name.startsWith("embeddings.word_embeddings")) {
                shape = new Shape(TINY.vocabSize(), hidden);
            } else if (name.startsWith("embeddings.position_embeddings")) {
                shape = new Shape(TINY.maxPositions(), hidden);
            } else if (name.startsWith("embeddings.token_type_embeddings")) {
                shape = new Shape(TINY.typeVocabSize(), hidden);
            } else if (name.contains("LayerNorm")) {
                shape = new Shape(hidden);
            } else if (name.contains("intermediate.dense")) {
                shape = name.endsWith(".bias") ? new Shape(TINY.intermediateSize()) : new Shape(hidden, TINY.intermediateSize());
            } else if (name.contains("layer.") && name.contains(".output.dense") && !name.contains("attention")) {
                shape = name.endsWith(".bias") ? new Shape(hidden) : new Shape(TINY.intermediateSize(), hidden);
            } else {
                shape = name.endsWith(".bias") ? new Shape(hidden) : new Shape(hidden, hidden);
            }
            float[] values = new float[(int) shape.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * 0.5 + (name.endsWith("LayerNorm.weight") ? 1 : 0));
            }
            block.parameter(name).setArray(manager.create(values, shape));
        }
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 4), new Shape(1, 4));
        return block;
    }

    private static double norm(final float[] vector) {
        return Math.sqrt(Similarity.dot(vector, vector, 0));
    }
}
