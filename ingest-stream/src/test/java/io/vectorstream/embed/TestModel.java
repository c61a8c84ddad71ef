package io.vectorstream.embed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The default model, built once per module into {@code target/test-models} from the artifact on
 * the test class path (tests never write into the user's {@code model_artifacts/}).
 */
public final class TestModel {

    public static final Path ARTIFACTS = Path.of("target", "test-models").toAbsolutePath();
    private static DjlEmbedder embedder;

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

    /** The default model, loaded once per JVM and shared (like the product shares it). */
    public static synchronized DjlEmbedder embedder() {
        if (embedder == null) {
            try {
                embedder = DjlEmbedder.load(dir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return embedder;
    }
}
