package io.vectorstream.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.util.Directories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The model registry: what is built, unknown ids, and a broken model that is not reloaded on every call. */
class ModelsTest {

    @Test
    void listsBuiltModelsAndNamesTheAvailableOnesForAnUnknownId() {
        try (Models models = new Models(TestModel.dir().getParent(), null, 0)) {
            assertEquals(384, models.manifest(KnownModel.DEFAULT.id()).orElseThrow().dimension());
            Models.UnknownModelException unknown = assertThrows(Models.UnknownModelException.class,
                    () -> models.embedder("no-such-model"));
            assertTrue(unknown.getMessage().contains(KnownModel.DEFAULT.id()), unknown.getMessage());
        }
    }

    /** A model built by one user is read by a service running as another (the image's non-root user). */
    @Test
    void aBuiltModelIsReadableByEveryUser() throws IOException {
        Path built = TestModel.dir();
        assertTrue(Files.getPosixFilePermissions(built).containsAll(Set.of(PosixFilePermission.OTHERS_READ,
                PosixFilePermission.OTHERS_EXECUTE)), built + ": " + Files.getPosixFilePermissions(built));
        try (Stream<Path> files = Files.list(built)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                assertTrue(Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ),
                        file + ": " + Files.getPosixFilePermissions(file));
            }
        }
    }

    /**
     * After close, a loaded model refuses to run (its native memory is freed) and no model loads
     * again: a batch still queued when the process stops must neither crash it nor leave a model
     * and its cache open.
     */
    @Test
    void closedModelsRefuseToRunOrLoad() {
        Models models = new Models(TestModel.dir().getParent(), null, 0);
        Embedder embedder = models.embedder(KnownModel.DEFAULT.id());
        assertEquals(1, embedder.embed(List.of("a sentence"), Embedder.Purpose.PASSAGE).length);
        models.close();
        assertThrows(IllegalStateException.class,
                () -> embedder.embed(List.of("a sentence"), Embedder.Purpose.PASSAGE));
        assertThrows(IllegalStateException.class, () -> models.embedder(KnownModel.DEFAULT.id()));
    }

    @Test
    void aModelThatCannotLoadFailsClearlyAndIsNotRetriedOnEveryCall() throws IOException {
        Path root = Directories.temporary("broken-models");
        Path broken = root.resolve(KnownModel.DEFAULT.id());
        Files.createDirectories(broken);
        Path built = TestModel.dir();
        Files.copy(built.resolve(ModelManifest.FILE), broken.resolve(ModelManifest.FILE));
        Files.copy(built.resolve(ModelManifest.TOKENIZER_FILE), broken.resolve(ModelManifest.TOKENIZER_FILE));
        ModelManifest manifest = ModelManifest.read(built);
        Files.writeString(broken.resolve(manifest.paramsFile()), "not a parameter file");
        try (Models models = new Models(root, null, 0)) {
            Embedder.EmbeddingException first = assertThrows(Embedder.EmbeddingException.class,
                    () -> models.embedder(KnownModel.DEFAULT.id()));
            assertTrue(first.getMessage().contains(KnownModel.DEFAULT.id()), first.getMessage());
            assertSame(first, assertThrows(Embedder.EmbeddingException.class,
                    () -> models.embedder(KnownModel.DEFAULT.id())), "the remembered failure, no second load");
        }
    }
}
