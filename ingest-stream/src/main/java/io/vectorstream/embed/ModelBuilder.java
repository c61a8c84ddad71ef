package io.vectorstream.embed;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vectorstream.util.Directories;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Builds a model folder ({@code model_artifacts/<model id>/}) from a pretrained model's ONNX export:
 * reads its weights, loads them into a {@link BertEncoderBlock}, and saves DJL's parameter file,
 * the tokenizer and a {@link ModelManifest}. The folder is written next to its final place and
 * moved in at the end, so a failed build never leaves half a model behind.
 */
public final class ModelBuilder {

    private ModelBuilder() {
    }

    /** The folder of a model under the artifacts root. */
    public static Path modelDir(final Path artifactsRoot, final String modelId) {
        return artifactsRoot.resolve(modelId);
    }

    /** Whether a complete model folder is there. */
    public static boolean isBuilt(final Path artifactsRoot, final String modelId) {
        Path dir = modelDir(artifactsRoot, modelId);
        return Files.isRegularFile(dir.resolve(ModelManifest.FILE))
                && Files.isRegularFile(dir.resolve(ModelManifest.TOKENIZER_FILE));
    }

    /**
     * Builds {@code model} into {@code artifactsRoot/<id>} from its source artifact.
     *
     * @return the model folder
     */
    public static Path build(final KnownModel model, final ModelSource source, final Path artifactsRoot,
                             final Consumer<String> progress) throws IOException {
        DjlRuntime.configure();
        progress.accept("reading " + model.onnxFile() + " from " + source.description());
        byte[] onnx = source.read(model.onnxFile());
        byte[] tokenizer = source.read(model.tokenizerFile());
        Map<String, OnnxWeights.Tensor> weights = OnnxWeights.read(onnx);
        BertConfig config = configOf(weights, model.heads());
        progress.accept("encoder: " + config.layers() + " layers, " + config.hiddenSize() + " dimensions, "
                + config.heads() + " heads, vocabulary " + config.vocabSize());

        Files.createDirectories(artifactsRoot);
        Path staging = Files.createTempDirectory(artifactsRoot, "." + model.id() + "-");
        try {
            String paramsFile;
            try (Model djlModel = Model.newInstance(model.id(), Device.cpu(), "PyTorch");
                 NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                BertEncoderBlock block = new BertEncoderBlock(config, model.pooling());
                for (String name : BertEncoderBlock.parameterNames(config.layers())) {
                    OnnxWeights.Tensor tensor = weights.get(name);
                    block.parameter(name).setArray(manager.create(tensor.values(), new Shape(tensor.shape())));
                }
                block.initialize(manager, DataType.FLOAT32, new Shape(1, 8), new Shape(1, 8));
                djlModel.setBlock(block);
                djlModel.setProperty("Epoch", "0");
                djlModel.save(staging, model.id());
                paramsFile = model.id() + "-0000.params";
            }
            Files.write(staging.resolve(ModelManifest.TOKENIZER_FILE), tokenizer);
            new ModelManifest(model.id(), config.hiddenSize(), model.pooling(), true, model.maxTokens(), config,
                    model.queryPrefix(), model.passagePrefix(), model.artifact(), model.onnxFile(), sha256(onnx),
                    model.licence(), paramsFile).write(staging);
            // A temporary folder is its owner's alone (rwx------): a built model is for anyone who
            // may read the artifacts folder, such as a service that runs as another user than the build.
            readableByAll(staging);
            Path target = modelDir(artifactsRoot, model.id());
            Directories.deleteRecursively(target);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            progress.accept("wrote " + target);
            return target;
        } finally {
            Directories.deleteQuietly(staging);
        }
    }

    /** Opens a built model's folder and files to every user for reading (where the file system has POSIX modes). */
    private static void readableByAll(final Path dir) throws IOException {
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(
                        Files.isDirectory(file) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    /** Reads the encoder's shape off its weights, and checks that every weight it needs is there. */
    static BertConfig configOf(final Map<String, OnnxWeights.Tensor> weights, final int heads) throws IOException {
        OnnxWeights.Tensor words = required(weights, "embeddings.word_embeddings.weight");
        int layers = 0;
        while (weights.containsKey("encoder.layer." + layers + ".attention.self.query.bias")) {
            layers++;
        }
        BertConfig config = new BertConfig((int) words.shape()[0], (int) words.shape()[1], layers, heads,
                (int) required(weights, "encoder.layer.0.intermediate.dense.bias").shape()[0],
                (int) required(weights, "embeddings.position_embeddings.weight").shape()[0],
                (int) required(weights, "embeddings.token_type_embeddings.weight").shape()[0], 1e-12f);
        List<String> missing = new ArrayList<>();
        for (String name : BertEncoderBlock.parameterNames(layers)) {
            if (!weights.containsKey(name)) {
                missing.add(name);
            }
        }
        if (layers == 0 || !missing.isEmpty()) {
            throw new IOException("not a BERT encoder export: missing " + missing + "; found " + weights.keySet());
        }
        return config;
    }

    private static OnnxWeights.Tensor required(final Map<String, OnnxWeights.Tensor> weights, final String name)
            throws IOException {
        OnnxWeights.Tensor tensor = weights.get(name);
        if (tensor == null) {
            throw new IOException("not a BERT encoder export: no " + name + "; found " + weights.keySet());
        }
        return tensor;
    }

    static String sha256(final byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Where the files of a pretrained model are read from. */
    public interface ModelSource {

        /** The bytes of one file of the source. */
        byte[] read(String file) throws IOException;

        String description();

        /** The files on this process's class path (the default model's artifact is a dependency). */
        static ModelSource classpath() {
            return new ModelSource() {
                @Override
                public byte[] read(final String file) throws IOException {
                    try (InputStream in = ModelBuilder.class.getClassLoader().getResourceAsStream(file)) {
                        if (in == null) {
                            throw new IOException(file + " is not on the class path");
                        }
                        return in.readAllBytes();
                    }
                }

                @Override
                public String description() {
                    return "the class path";
                }
            };
        }

        /** The files inside a jar (a model artifact in the local Maven repository). */
        static ModelSource jar(final Path jar) {
            return new ModelSource() {
                @Override
                public byte[] read(final String file) throws IOException {
                    try (ZipFile zip = new ZipFile(jar.toFile())) {
                        var entry = zip.getEntry(file);
                        if (entry == null) {
                            throw new IOException(jar + " has no " + file);
                        }
                        try (InputStream in = zip.getInputStream(entry)) {
                            return in.readAllBytes();
                        }
                    }
                }

                @Override
                public String description() {
                    return jar.toString();
                }
            };
        }
    }
}
