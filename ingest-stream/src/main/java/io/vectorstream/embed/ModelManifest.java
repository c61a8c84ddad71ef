package io.vectorstream.embed;

import io.vectorstream.schema.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code manifest.json} of a built model folder: what the model is and how to run it, and where
 * its weights came from.
 *
 * @param modelId        the id libraries name it by ({@code all-minilm-l6-v2})
 * @param dimension      length of its vectors
 * @param normalized     whether its vectors are L2-normalised (always, here)
 * @param maxTokens      longer texts are truncated to this many tokens
 * @param sourceArtifact Maven coordinates of the jar the weights were read from
 * @param sourceFile     the ONNX file inside it
 * @param sourceSha256   SHA-256 of that ONNX file
 * @param paramsFile     the DJL parameter file in this folder
 */
public record ModelManifest(String modelId, int dimension, Pooling pooling, boolean normalized, int maxTokens,
                            BertConfig encoder, String queryPrefix, String passagePrefix, String sourceArtifact,
                            String sourceFile, String sourceSha256, String licence, String paramsFile) {

    public static final String FILE = "manifest.json";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    public static ModelManifest read(final Path modelDir) throws IOException {
        return Json.MAPPER.readValue(modelDir.resolve(FILE).toFile(), ModelManifest.class);
    }

    public void write(final Path modelDir) throws IOException {
        Files.writeString(modelDir.resolve(FILE),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this) + "\n");
    }

    /** The DJL model name: the stem of {@link #paramsFile()} ({@code NAME-0000.params}). */
    public String djlModelName() {
        return paramsFile.substring(0, paramsFile.lastIndexOf('-'));
    }
}
