package io.vectorstream.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT encoder with sentence pooling, as one DJL block: token ids and attention mask in, one
 * L2-normalised sentence vector per row out.
 *
 * <p>Inputs: {@code input_ids} and {@code attention_mask}, both int64 {@code [batch, tokens]}
 * (token types are all 0: single sentences). Output: float32 {@code [batch, hidden]}.
 *
 * <p>The parameters carry their Hugging Face names, so the weights of any BERT-family checkpoint
 * map onto them one to one. Dense weights are stored as {@code [in, out]} (as the ONNX export has
 * them), so a dense layer is {@code x.matMul(w) + b} without a transpose. Parameters never require
 * gradients: this block only infers, and PyTorch then records no autograd graph.
 */
public final class BertEncoderBlock extends AbstractBlock {

    private static final byte VERSION = 1;
    /** Added to the attention scores of padding: softmax turns it into exactly 0. */
    private static final float MASKED = -1e9f;

    private final BertConfig config;
    private final Pooling pooling;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();

    public BertEncoderBlock(final BertConfig config, final Pooling pooling) {
        super(VERSION);
        this.config = config;
        this.pooling = pooling;
        for (String name : parameterNames(config.layers())) {
            byName.put(name, addParameter(Parameter.builder()
                    .setName(name)
                    .setType(name.endsWith(".bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT)
                    .optRequiresGrad(false)
                    .build()));
        }
    }

    /** Every parameter's Hugging Face name, in the order they are saved. */
    public static List<String> parameterNames(final int layers) {
        List<String> names = new ArrayList<>(List.of(
                "embeddings.word_embeddings.weight",
                "embeddings.position_embeddings.weight",
                "embeddings.token_type_embeddings.weight",
                "embeddings.LayerNorm.weight",
                "embeddings.LayerNorm.bias"));
        for (int l = 0; l < layers; l++) {
            String layer = "encoder.layer." + l + ".";
            for (String module : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense",
                    "output.LayerNorm")) {
                names.add(layer + module + ".weight");
                names.add(layer + module + ".bias");
            }
        }
        return Collections.unmodifiableList(names);
    }

    /** The parameter of this name (to set converted weights on it). */
    public Parameter parameter(final String name) {
        Parameter parameter = byName.get(name);
        if (parameter == null) {
            throw new IllegalArgumentException("no parameter " + name);
        }
        return parameter;
    }

    public BertConfig config() {
        return config;
    }

    @Override
    protected NDList forwardInternal(final ParameterStore store, final NDList inputs, final boolean training,
                                     final PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray mask = inputs.get(1);
        long batch = ids.getShape().get(0);
        long tokens = ids.getShape().get(1);
        NDManager manager = ids.getManager();

        NDArray positions = manager.arange(0, (int) tokens, 1, DataType.INT64);
        NDArray x = embed(ids, w(store, ids, "embeddings.word_embeddings.weight"))
                .add(embed(positions, w(store, ids, "embeddings.position_embeddings.weight")))
                .add(w(store, ids, "embeddings.token_type_embeddings.weight").get(0));
        x = layerNorm(store, x, "embeddings.LayerNorm");

        NDArray floatMask = mask.toType(DataType.FLOAT32, false);
        NDArray attentionBias = floatMask.neg().add(1f).mul(MASKED).reshape(batch, 1, 1, tokens);
        for (int l = 0; l < config.layers(); l++) {
            x = encoderLayer(store, x, attentionBias, "encoder.layer." + l + ".", batch, tokens);
        }
        NDArray sentence = switch (pooling) {
            case CLS -> x.get(":, 0, :");
            case MEAN -> {
                NDArray weights = floatMask.expandDims(2);
                yield x.mul(weights).sum(new int[] {1}).div(weights.sum(new int[] {1}).clip(1e-9f, Float.MAX_VALUE));
            }
        };
        NDArray norm = sentence.norm(new int[] {1}, true).clip(1e-12f, Float.MAX_VALUE);
        return new NDList(sentence.div(norm));
    }

    private NDArray encoderLayer(final ParameterStore store, final NDArray x, final NDArray attentionBias,
                                 final String layer, final long batch, final long tokens) {
        int heads = config.heads();
        int headSize = config.headSize();
        NDArray q = heads(dense(store, x, layer + "attention.self.query"), batch, tokens);
        NDArray k = heads(dense(store, x, layer + "attention.self.key"), batch, tokens);
        NDArray v = heads(dense(store, x, layer + "attention.self.value"), batch, tokens);
        NDArray probabilities = q.matMul(k.transpose(0, 1, 3, 2)).div((float) Math.sqrt(headSize))
                .add(attentionBias).softmax(-1);
        NDArray context = probabilities.matMul(v).transpose(0, 2, 1, 3).reshape(batch, tokens,
                (long) heads * headSize);
        NDArray attended = layerNorm(store, dense(store, context, layer + "attention.output.dense").add(x),
                layer + "attention.output.LayerNorm");
        NDArray intermediate = Activation.gelu(dense(store, attended, layer + "intermediate.dense"));
        return layerNorm(store, dense(store, intermediate, layer + "output.dense").add(attended),
                layer + "output.LayerNorm");
    }

    /** {@code [batch, tokens, hidden]} -> {@code [batch, heads, tokens, headSize]}. */
    private NDArray heads(final NDArray x, final long batch, final long tokens) {
        return x.reshape(batch, tokens, config.heads(), config.headSize()).transpose(0, 2, 1, 3);
    }

    private NDArray dense(final ParameterStore store, final NDArray x, final String module) {
        return x.matMul(w(store, x, module + ".weight")).add(w(store, x, module + ".bias"));
    }

    private NDArray layerNorm(final ParameterStore store, final NDArray x, final String module) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), w(store, x, module + ".weight"),
                w(store, x, module + ".bias"), config.layerNormEps()).singletonOrThrow();
    }

    private static NDArray embed(final NDArray ids, final NDArray table) {
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    private NDArray w(final ParameterStore store, final NDArray like, final String name) {
        return store.getValue(byName.get(name), like.getDevice(), false);
    }

    @Override
    public Shape[] getOutputShapes(final Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.hiddenSize())};
    }
}
