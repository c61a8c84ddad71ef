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
import ai.djl.nn.core.Linear;
import ai.djl.ndarray.NDArrays;
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
 * map onto them one to one; dense weights are saved as {@code [in, out]}, as the ONNX export has
 * them. Parameters never require gradients: this block only infers, and PyTorch then records no
 * autograd graph.
 *
 * <p>For speed, the forward pass does not use the saved layout directly: on first use it derives
 * per layer one fused query/key/value weight (one matrix product instead of three, with the
 * 1/sqrt(head size) scale folded into the query part) and every dense weight transposed to
 * {@code [out, in]}, which is what PyTorch's fused {@code linear} (product plus bias in one call)
 * takes: fewer, larger operations. (PyTorch's profiler puts most of a short text's forward pass
 * in the dense products themselves, about 70% in float32.)
 *
 * <p>With the forward parameter {@link #PRECISION} set to {@link Precision#BFLOAT16} the dense
 * layers run in bfloat16 (see {@link Precision}); everything else stays float32.
 */
public final class BertEncoderBlock extends AbstractBlock {

    private static final byte VERSION = 1;
    /** Forward-pass parameter: the {@link Precision} of the dense layers (default float32). */
    public static final String PRECISION = "precision";
    /** Added to the attention scores of padding: softmax turns it into exactly 0. */
    private static final float MASKED = -1e9f;

    private final BertConfig config;
    private final Pooling pooling;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private volatile Prepared prepared;
    private volatile Bfloat16 bfloat16;

    /**
     * What the forward pass derives once from the parameters: the fused layers and the token-type
     * row (all tokens are of type 0). Arrays made here live in the parameters' manager, as long as
     * the model; anything made in a forward pass lives in that call's manager.
     */
    private record Prepared(NDArray tokenType, List<FusedLayer> layers) {
    }

    /**
     * The layers again with their dense weights and biases in bfloat16, and the TorchScript
     * function that runs a dense layer on them: float32 in, bfloat16 product, float32 out.
     */
    private record Bfloat16(TorchScript linear, List<FusedLayer> layers) {
    }

    /** One encoder layer's weights as the forward pass uses them. */
    private record FusedLayer(NDArray qkvWeight, NDArray qkvBias, NDArray outWeight, NDArray outBias,
                              NDArray norm1Weight, NDArray norm1Bias, NDArray interWeight, NDArray interBias,
                              NDArray ffnOutWeight, NDArray ffnOutBias, NDArray norm2Weight, NDArray norm2Bias) {
    }

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
        Prepared prepared = prepared(store, ids);
        NDArray x = embed(ids, w(store, ids, "embeddings.word_embeddings.weight"))
                .add(embed(positions, w(store, ids, "embeddings.position_embeddings.weight")))
                .add(prepared.tokenType());
        x = layerNorm(store, x, "embeddings.LayerNorm");

        NDArray floatMask = mask.toType(DataType.FLOAT32, false);
        NDArray attentionBias = floatMask.neg().add(1f).mul(MASKED).reshape(batch, 1, 1, tokens);
        if (params != null && params.get(PRECISION) == Precision.BFLOAT16) {
            Bfloat16 bf16 = bfloat16(prepared);
            for (FusedLayer layer : bf16.layers()) {
                x = encoderLayer(layer, x, attentionBias, batch, tokens, bf16.linear()::call);
            }
        } else {
            for (FusedLayer layer : prepared.layers()) {
                x = encoderLayer(layer, x, attentionBias, batch, tokens, BertEncoderBlock::linear);
            }
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

    /** A dense layer: {@code x * weight^T + bias}. */
    private interface DenseOp {
        NDArray apply(NDArray x, NDArray weight, NDArray bias);
    }

    private NDArray encoderLayer(final FusedLayer layer, final NDArray x, final NDArray attentionBias,
                                 final long batch, final long tokens, final DenseOp linear) {
        int heads = config.heads();
        int headSize = config.headSize();
        // [batch, tokens, 3 * hidden] -> [3, batch, heads, tokens, headSize]
        NDArray qkv = linear.apply(x, layer.qkvWeight(), layer.qkvBias()).reshape(batch, tokens, 3, heads, headSize)
                .transpose(2, 0, 3, 1, 4);
        NDArray probabilities = qkv.get(0).matMul(qkv.get(1).transpose(0, 1, 3, 2)).add(attentionBias).softmax(-1);
        NDArray context = probabilities.matMul(qkv.get(2)).transpose(0, 2, 1, 3).reshape(batch, tokens,
                (long) heads * headSize);
        NDArray attended = layerNorm(linear.apply(context, layer.outWeight(), layer.outBias()).add(x),
                layer.norm1Weight(), layer.norm1Bias());
        NDArray intermediate = Activation.gelu(linear.apply(attended, layer.interWeight(), layer.interBias()));
        return layerNorm(linear.apply(intermediate, layer.ffnOutWeight(), layer.ffnOutBias()).add(attended),
                layer.norm2Weight(), layer.norm2Bias());
    }

    /** The weights in the forward pass' layout, derived once from the parameters. */
    private Prepared prepared(final ParameterStore store, final NDArray like) {
        Prepared ready = prepared;
        if (ready == null) {
            synchronized (this) {
                if (prepared == null) {
                    NDArray tokenTypes = w(store, like, "embeddings.token_type_embeddings.weight");
                    NDArray row = tokenTypes.get(0).duplicate();
                    row.attach(tokenTypes.getManager());
                    prepared = new Prepared(row, fuse(store, like));
                }
                ready = prepared;
            }
        }
        return ready;
    }

    /**
     * The bfloat16 layers, made once from the fused float32 ones: dense weights rounded and
     * packed into oneDNN's blocked layout for its AMX kernel (packing once is what makes them fast:
     * unpacked, oneDNN reorders the weights on every product), biases rounded. In the TorchScript
     * below dtypes are c10::ScalarType numbers: 15 is bfloat16, 6 float32.
     */
    private Bfloat16 bfloat16(final Prepared prepared) {
        Bfloat16 ready = bfloat16;
        if (ready == null) {
            synchronized (this) {
                if (bfloat16 == null) {
                    NDManager manager = prepared.tokenType().getManager();
                    List<FusedLayer> layers = new ArrayList<>();
                    try (TorchScript pack = TorchScript.load(manager, "PackBfloat16", """
                            def forward(self: __torch__.PackBfloat16,
                                weight: Tensor) -> Tensor:
                              return ops.mkldnn._reorder_linear_weight(torch.to(weight, 15), None)
                            """);
                         TorchScript cast = TorchScript.load(manager, "ToBfloat16", """
                            def forward(self: __torch__.ToBfloat16,
                                x: Tensor) -> Tensor:
                              return torch.to(x, 15)
                            """)) {
                        for (FusedLayer f : prepared.layers()) {
                            layers.add(new FusedLayer(pack.call(f.qkvWeight()), cast.call(f.qkvBias()),
                                    pack.call(f.outWeight()), cast.call(f.outBias()), f.norm1Weight(), f.norm1Bias(),
                                    pack.call(f.interWeight()), cast.call(f.interBias()),
                                    pack.call(f.ffnOutWeight()), cast.call(f.ffnOutBias()),
                                    f.norm2Weight(), f.norm2Bias()));
                        }
                    }
                    TorchScript linear = TorchScript.load(manager, "Bfloat16Linear", """
                            def forward(self: __torch__.Bfloat16Linear,
                                x: Tensor,
                                weight: Tensor,
                                bias: Tensor) -> Tensor:
                              _0 = ops.mkldnn._linear_pointwise(torch.to(x, 15), weight, bias, "none",
                                  annotate(List[Optional[number]], []), "")
                              return torch.to(_0, 6)
                            """);
                    bfloat16 = new Bfloat16(linear, List.copyOf(layers));
                }
                ready = bfloat16;
            }
        }
        return ready;
    }

    private List<FusedLayer> fuse(final ParameterStore store, final NDArray like) {
        float scale = (float) (1.0 / Math.sqrt(config.headSize()));
        List<FusedLayer> layers = new ArrayList<>(config.layers());
        for (int l = 0; l < config.layers(); l++) {
            String layer = "encoder.layer." + l + ".";
            NDArray query = w(store, like, layer + "attention.self.query.weight");
            // Created in the parameters' manager: they live as long as the model.
            NDManager manager = query.getManager();
            NDArray qkvWeight = NDArrays.concat(new NDList(query.mul(scale),
                    w(store, like, layer + "attention.self.key.weight"),
                    w(store, like, layer + "attention.self.value.weight")), 1).transpose().duplicate();
            NDArray qkvBias = NDArrays.concat(new NDList(w(store, like, layer + "attention.self.query.bias").mul(scale),
                    w(store, like, layer + "attention.self.key.bias"),
                    w(store, like, layer + "attention.self.value.bias")), 0);
            FusedLayer fusedLayer = new FusedLayer(qkvWeight, qkvBias,
                    transposed(store, like, layer + "attention.output.dense.weight"),
                    w(store, like, layer + "attention.output.dense.bias"),
                    w(store, like, layer + "attention.output.LayerNorm.weight"),
                    w(store, like, layer + "attention.output.LayerNorm.bias"),
                    transposed(store, like, layer + "intermediate.dense.weight"),
                    w(store, like, layer + "intermediate.dense.bias"),
                    transposed(store, like, layer + "output.dense.weight"),
                    w(store, like, layer + "output.dense.bias"),
                    w(store, like, layer + "output.LayerNorm.weight"),
                    w(store, like, layer + "output.LayerNorm.bias"));
            for (NDArray array : new NDArray[] {qkvWeight, qkvBias, fusedLayer.outWeight(), fusedLayer.interWeight(),
                    fusedLayer.ffnOutWeight()}) {
                array.attach(manager);
            }
            layers.add(fusedLayer);
        }
        return List.copyOf(layers);
    }

    /** A saved {@code [in, out]} weight as a contiguous {@code [out, in]} copy. */
    private NDArray transposed(final ParameterStore store, final NDArray like, final String name) {
        return w(store, like, name).transpose().duplicate();
    }

    private static NDArray linear(final NDArray x, final NDArray weight, final NDArray bias) {
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }

    private NDArray layerNorm(final NDArray x, final NDArray weight, final NDArray bias) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), weight, bias, config.layerNormEps())
                .singletonOrThrow();
    }

    private NDArray layerNorm(final ParameterStore store, final NDArray x, final String module) {
        return layerNorm(x, w(store, x, module + ".weight"), w(store, x, module + ".bias"));
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
