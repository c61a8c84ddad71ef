package io.vectorstream.bench;

import io.vectorstream.cli.ModelCommand;
import io.vectorstream.cli.Options;
import io.vectorstream.embed.DjlEmbedder;
import io.vectorstream.embed.Embedder;
import io.vectorstream.embed.KnownModel;
import io.vectorstream.embed.ModelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code vectorstream bench embed-file}: embeds every non-empty line of a text file with a built
 * model and writes the vectors as a texmex {@code .fvecs} file, in line order, so that
 * {@code bench ann} can run on real sentence embeddings. Shows progress and the rate.
 */
final class EmbedFileCommand {

    private static final int CALL = 256;

    private EmbedFileCommand() {
    }

    static void run(final Options options, final PrintStream out, final PrintStream progress) {
        KnownModel model = KnownModel.byId(options.get("model", KnownModel.DEFAULT.id()));
        Path root = Path.of(options.get("model-dir", ModelCommand.defaultArtifactsRoot().toString()));
        ModelCommand.requireBuilt(root, model);
        Path input = Path.of(options.require("texts"));
        Path output = Path.of(options.require("out"));
        if (!Files.isRegularFile(input)) {
            throw new Options.UsageException("--texts " + input + ": no such file");
        }
        try {
            List<String> texts;
            try {
                texts = Files.readAllLines(input, StandardCharsets.UTF_8).stream().filter(line -> !line.isBlank())
                        .toList();
            } catch (MalformedInputException e) {
                throw new Options.UsageException(input + " is not UTF-8 text (convert it first, for example with "
                        + "iconv -f UTF-8 -t UTF-8 -c)");
            }
            int limit = Integer.parseInt(options.get("limit", String.valueOf(texts.size())));
            texts = texts.subList(0, Math.min(limit, texts.size()));
            float[][] vectors = new float[texts.size()][];
            long start = System.nanoTime();
            long lastReport = start;
            try (DjlEmbedder embedder = DjlEmbedder.load(ModelBuilder.modelDir(root, model.id()))) {
                for (int from = 0; from < texts.size(); from += CALL) {
                    int to = Math.min(texts.size(), from + CALL);
                    float[][] batch = embedder.embed(texts.subList(from, to), Embedder.Purpose.PASSAGE);
                    System.arraycopy(batch, 0, vectors, from, batch.length);
                    if (System.nanoTime() - lastReport > 5_000_000_000L || to == texts.size()) {
                        lastReport = System.nanoTime();
                        double seconds = (lastReport - start) / 1e9;
                        progress.printf("  %,d/%,d texts, %.0f/s, %.0f s left%n", to, texts.size(), to / seconds,
                                (texts.size() - to) / (to / seconds));
                    }
                }
            }
            VectorFiles.writeFvecs(output, vectors);
            out.printf("wrote %,d vectors of %d dimensions (%s) to %s in %.1f s%n", vectors.length,
                    vectors.length == 0 ? 0 : vectors[0].length, model.id(), output,
                    (System.nanoTime() - start) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
