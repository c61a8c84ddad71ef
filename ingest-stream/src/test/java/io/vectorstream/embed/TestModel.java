package io.vectorstream.embed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * The default model, built once per module into {@code target/test-models} from the artifact on
 * the test class path (tests never write into the user's {@code model_artifacts/}).
 */
public final class TestModel {

    public static final Path ARTIFACTS = Path.of("target", "test-models").toAbsolutePath();
    private static final Map<Precision, DjlEmbedder> EMBEDDERS = new EnumMap<>(Precision.class);

    private TestModel() {
    }

    /** The folder of the built default model. */
    public static synchronized Path dir() {
        try {
            if (!ModelBuilder.isBuilt(ARTIFACTS, KnownModel.DEFAULT.id())) {
                ModelBuilder.build(KnownModel.DEFAULT, ModelBuilder.ModelSource.classpath(), ARTIFACTS,
                        line -> System.out.println("[test model] " + line));
            }
            return ModelBuilder.modelDir(ARTIFACTS, KnownModel.DEFAULT.id());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The default model in the precision the product would choose on this machine, loaded once
     * per JVM and shared (like the product shares it).
     */
    public static DjlEmbedder embedder() {
        return embedder(Precision.fastestNative());
    }

    /** The default model running in {@code precision}, loaded once per JVM. */
    public static synchronized DjlEmbedder embedder(final Precision precision) {
        return EMBEDDERS.computeIfAbsent(precision, p -> {
            try {
                return DjlEmbedder.load(dir(), p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
