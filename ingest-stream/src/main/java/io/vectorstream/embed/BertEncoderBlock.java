package io.vectorstream.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import ai.djl.ndarray.NDArrays;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
 * in the dense products themselves, about 70% in float32.) The pass itself is one TorchScript
 * function (see {@link #script}), called once per batch.
 *
 * <p>With the forward parameter {@link #PRECISION} set to {@link Precision#BFLOAT16} the dense
 * layers run in bfloat16 (see {@link Precision}); everything else stays float32.
 */
public final class BertEncoderBlock extends AbstractBlock {

    private static final byte VERSION = 1;
    /** Forward-pass parameter: the {@link Precision} of the dense layers (default float32). */
    public static final String PRECISION = "precision";

    private final BertConfig config;
    private final Pooling pooling;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private Prepared prepared;
    /** The forward pass of each precision, compiled on first use. */
    private final Map<Precision, Compiled> compiled = new ConcurrentHashMap<>();

    /**
     * What the forward pass derives once from the parameters: the fused layers and the token-type
     * row (all tokens are of type 0), beside the embedding weights used as they are. Arrays made
     * here live in the parameters' manager, as long as the model.
     */
    private record Prepared(NDArray wordTable, NDArray positionTable, NDArray tokenType, NDArray normWeight,
                            NDArray normBias, List<FusedLayer> layers) {
    }

    /**
     * A forward pass compiled for one precision, its weights as the one list it takes, and the
     * arrays made only for it (the bfloat16 weights).
     */
    private record Compiled(TorchScript script, IValue weights, List<NDArray> own) {
        void close() {
            weights.close();
            script.close();
            own.forEach(NDArray::close);
        }
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
        Precision precision = params != null && params.get(PRECISION) == Precision.BFLOAT16
                ? Precision.BFLOAT16 : Precision.FLOAT32;
        Compiled pass = compiled.computeIfAbsent(precision, p -> {
            Prepared weights = prepared(store, inputs.get(0));
            return p == Precision.BFLOAT16 ? compileBfloat16(weights) : compileFloat32(weights);
        });
        return new NDList(pass.script().call(new NDArray[] {inputs.get(0), inputs.get(1)}, pass.weights()));
    }

    /**
     * The forward pass in TorchScript: token ids and mask in, sentence vectors out, its weights
     * (see {@link #weights}) in one list, and {@code self.dense(x, weight, bias)} for the dense
     * layers. Why one TorchScript call and not DJL operations: a short text's pass is about 250
     * small operations, and each costs a JNI call, a Java array object and its manager's
     * bookkeeping; in libtorch's interpreter they cost microseconds.
     *
     * <p>Padding gets -1e9 added to its attention scores (softmax turns that into exactly 0) and
     * weight 0 in mean pooling. Position ids are 0..tokens-1: the first rows of the position table.
     */
    private String script(final String className, final String denseBody) {
        int hidden = config.hiddenSize();
        String eps = Double.toString(config.layerNormEps());
        String pooled = switch (pooling) {
            case CLS -> "sentence = torch.select(x, 1, 0)";
            case MEAN -> """
                    weights_per_token = torch.unsqueeze(float_mask, 2)
                    sentence = torch.div(torch.sum(torch.mul(x, weights_per_token), [1]),
                        torch.clamp(torch.sum(weights_per_token, [1]), 1.0000000000000001e-09))""";
        };
        return """
                def forward(self: __torch__.%1$s,
                    ids: Tensor,
                    mask: Tensor,
                    weights: List[Tensor]) -> Tensor:
                  batch = torch.size(ids, 0)
                  tokens = torch.size(ids, 1)
                  x = torch.add(torch.add(torch.embedding(weights[0], ids), torch.slice(weights[1], 0, 0, tokens)),
                      weights[2])
                  x = torch.layer_norm(x, [%2$d], weights[3], weights[4], %3$s)
                  float_mask = torch.to(mask, 6)
                  attention_bias = torch.reshape(torch.mul(torch.sub(float_mask, 1.), 1000000000.),
                      [batch, 1, 1, tokens])
                  for layer in range(%4$d):
                    at = 5 + 12 * layer
                    qkv = torch.permute(torch.reshape(self.dense(x, weights[at], weights[at + 1]),
                        [batch, tokens, 3, %5$d, %6$d]), [2, 0, 3, 1, 4])
                    scores = torch.matmul(torch.select(qkv, 0, 0), torch.transpose(torch.select(qkv, 0, 1), 2, 3))
                    probabilities = torch.softmax(torch.add(scores, attention_bias), -1)
                    context = torch.reshape(torch.transpose(torch.matmul(probabilities, torch.select(qkv, 0, 2)), 1, 2),
                        [batch, tokens, %2$d])
                    attended = torch.layer_norm(torch.add(self.dense(context, weights[at + 2], weights[at + 3]), x),
                        [%2$d], weights[at + 4], weights[at + 5], %3$s)
                    intermediate = torch.gelu(self.dense(attended, weights[at + 6], weights[at + 7]))
                    x = torch.layer_norm(torch.add(self.dense(intermediate, weights[at + 8], weights[at + 9]), attended),
                        [%2$d], weights[at + 10], weights[at + 11], %3$s)
                %7$s
                  return torch.div(sentence, torch.clamp(torch.linalg_vector_norm(sentence, 2, [1], True), 9.9999999999999998e-13))

                def dense(self: __torch__.%1$s,
                    x: Tensor,
                    weight: Tensor,
                    bias: Tensor) -> Tensor:
                %8$s
                """.formatted(className, hidden, eps, config.layers(), config.heads(), config.headSize(),
                pooled.indent(2).stripTrailing(), denseBody.indent(2).stripTrailing());
    }

    /**
     * The weights in the order the script reads them: word and position tables, the token-type
     * row, the embeddings' layer norm, then per layer the fused query/key/value dense layer, the
     * attention output, its norm, the intermediate and output dense layers and the last norm.
     */
    private IValue weights(final Prepared prepared, final List<FusedLayer> layers) {
        List<NDArray> weights = new ArrayList<>(List.of(prepared.wordTable(), prepared.positionTable(),
                prepared.tokenType(), prepared.normWeight(), prepared.normBias()));
        for (FusedLayer l : layers) {
            weights.addAll(List.of(l.qkvWeight(), l.qkvBias(), l.outWeight(), l.outBias(), l.norm1Weight(),
                    l.norm1Bias(), l.interWeight(), l.interBias(), l.ffnOutWeight(), l.ffnOutBias(), l.norm2Weight(),
                    l.norm2Bias()));
        }
        return IValue.listFrom(weights.toArray(PtNDArray[]::new));
    }

    private Compiled compileFloat32(final Prepared weights) {
        return new Compiled(TorchScript.load(weights.tokenType().getManager(), "BertFloat32",
                script("BertFloat32", "return torch.linear(x, weight, bias)")), weights(weights, weights.layers()),
                List.of());
    }

    /**
     * The weights in the forward pass' layout, derived once from the parameters (only when a
     * precision's pass is compiled, never on the forward pass' path).
     */
    private synchronized Prepared prepared(final ParameterStore store, final NDArray like) {
        if (prepared == null) {
            NDArray tokenTypes = w(store, like, "embeddings.token_type_embeddings.weight");
            NDArray row = tokenTypes.get(0).duplicate();
            row.attach(tokenTypes.getManager());
            prepared = new Prepared(w(store, like, "embeddings.word_embeddings.weight"),
                    w(store, like, "embeddings.position_embeddings.weight"), row,
                    w(store, like, "embeddings.LayerNorm.weight"), w(store, like, "embeddings.LayerNorm.bias"),
                    fuse(store, like));
        }
        return prepared;
    }

    /**
     * The bfloat16 pass, made once from the fused float32 layers: dense weights rounded and
     * packed into oneDNN's blocked layout for its AMX kernel (packing once is what makes them fast:
     * unpacked, oneDNN reorders the weights on every product), biases rounded. In the TorchScript
     * below dtypes are c10::ScalarType numbers: 15 is bfloat16, 6 float32.
     */
    private Compiled compileBfloat16(final Prepared prepared) {
        NDManager manager = prepared.tokenType().getManager();
        List<FusedLayer> layers = new ArrayList<>();
        List<NDArray> own = new ArrayList<>();
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
                FusedLayer layer = new FusedLayer(pack.call(f.qkvWeight()), cast.call(f.qkvBias()),
                        pack.call(f.outWeight()), cast.call(f.outBias()), f.norm1Weight(), f.norm1Bias(),
                        pack.call(f.interWeight()), cast.call(f.interBias()),
                        pack.call(f.ffnOutWeight()), cast.call(f.ffnOutBias()),
                        f.norm2Weight(), f.norm2Bias());
                layers.add(layer);
                own.addAll(List.of(layer.qkvWeight(), layer.qkvBias(), layer.outWeight(), layer.outBias(),
                        layer.interWeight(), layer.interBias(), layer.ffnOutWeight(), layer.ffnOutBias()));
            }
        }
        return new Compiled(TorchScript.load(manager, "BertBfloat16", script("BertBfloat16", """
                _0 = ops.mkldnn._linear_pointwise(torch.to(x, 15), weight, bias, "none",
                    annotate(List[Optional[number]], []), "")
                return torch.to(_0, 6)""")), weights(prepared, layers), List.copyOf(own));
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

    private NDArray w(final ParameterStore store, final NDArray like, final String name) {
        return store.getValue(byName.get(name), like.getDevice(), false);
    }

    /**
     * Frees the compiled pass of {@code precision} (its script and weight list; the bfloat16 one
     * also holds the packed weights). The next forward pass in it compiles it again.
     */
    void release(final Precision precision) {
        Compiled pass = compiled.remove(precision);
        if (pass != null) {
            pass.close();
        }
    }

    @Override
    public Shape[] getOutputShapes(final Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.hiddenSize())};
    }
}
