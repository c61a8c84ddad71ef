package io.vectorstream.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.cli.Options;
import io.vectorstream.client.ChunkRequest;
import io.vectorstream.client.EventWriter;
import io.vectorstream.client.Library;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.client.VectorStreamException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * {@code import}: files into a library, over HTTP (checked as they are written: a refusal is
 * reported with its file and line and the rest goes on) or as events straight to Kafka; or, with
 * {@code --dry-run}, nothing written and each text's vector printed.
 */
final class ImportCommand {

    private static final Set<String> VALUED = Set.of("url", "library", "api-key", "kafka", "topic");
    private static final Set<String> FLAGS = Set.of("dry-run");

    private ImportCommand() {
    }

    static int run(final List<String> args, final PrintStream out, final PrintStream err) {
        List<String> optionArgs = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.startsWith("--")) {
                optionArgs.add(arg);
                if (VALUED.contains(arg.substring(2)) && i + 1 < args.size()) {
                    optionArgs.add(args.get(++i));
                }
            } else {
                files.add(Path.of(arg));
            }
        }
        Options options = new Options(optionArgs, VALUED, FLAGS);
        String libraryId = options.require("library");
        if (files.isEmpty()) {
            throw new Options.UsageException("name the files to import");
        }
        long started = System.nanoTime();
        List<ImportItem> items = new ArrayList<>();
        for (Path file : files) {
            items.addAll(read(file));
        }
        if (options.flag("dry-run")) {
            return dryRun(Clients.http(options), libraryId, items, out, err);
        }
        ImportReport report = new ImportReport();
        items.stream().filter(ImportItem.Refused.class::isInstance).map(ImportItem.Refused.class::cast)
                .forEach(report::refused);
        List<ImportItem> writes = items.stream().filter(i -> !(i instanceof ImportItem.Refused)).toList();
        ProgressBar bar = ProgressBar.onConsole(err, "importing",
                writes.stream().mapToLong(i -> Math.max(1, ImportItem.chunksOf(i).size())).sum());
        if (options.get("kafka", null) != null) {
            Properties config = new Properties();
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.get("kafka", null));
            try (EventWriter events = EventWriter.create(config, options.get("topic", EventWriter.DEFAULT_TOPIC))) {
                new KafkaImport(events, libraryId, report, bar).write(writes);
            }
        } else {
            VectorStreamClient client = Clients.http(options);
            requireLibrary(client, libraryId);
            new HttpImport(client, libraryId, report, bar).write(writes);
            client.getLibrary(libraryId); // returns once every write is applied (session consistency)
        }
        bar.finish();
        report.print(out, libraryId, options.get("kafka", null) != null, (System.nanoTime() - started) / 1e9);
        return report.refusals().isEmpty() ? 0 : 1;
    }

    /** The items of one file, by its kind. */
    private static List<ImportItem> read(final Path file) {
        String name = file.getFileName().toString();
        if (!Files.isRegularFile(file)) {
            return List.of(new ImportItem.Refused(file.toString(), "no such file"));
        }
        if (TextsAndPages.TEXTS_FILE.matcher(name).matches()) {
            return List.of(TextsAndPages.read(file));
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return JsonLinesFile.read(file);
        }
        if (name.startsWith("pages_") && name.endsWith(".csv")) {
            return List.of(); // read with its texts file
        }
        return List.of(new ImportItem.Refused(name, "not a kind import reads (*.jsonl, *.ndjson, texts_<doc>.json)"));
    }

    private static Library requireLibrary(final VectorStreamClient client, final String libraryId) {
        try {
            return client.getLibrary(libraryId);
        } catch (VectorStreamException.NotFound e) {
            throw new IllegalStateException("library '" + libraryId + "' does not exist: create it first (POST "
                    + "/v1/libraries, or bin/vectorstream seed for an example one)");
        }
    }

    /** Prints each text with its vector from the library's model and its pages; writes nothing. */
    private static int dryRun(final VectorStreamClient client, final String libraryId, final List<ImportItem> items,
                              final PrintStream out, final PrintStream err) {
        Library library = requireLibrary(client, libraryId);
        if (library.model() == null) {
            throw new IllegalStateException("library '" + libraryId + "' has no model: --dry-run shows what its model"
                    + " makes of each text");
        }
        ObjectMapper json = new ObjectMapper();
        List<ChunkRequest> chunks = new ArrayList<>();
        for (ImportItem item : items) {
            if (item instanceof ImportItem.Refused refused) {
                err.println("refused " + refused.source() + ": " + refused.reason());
            } else {
                ImportItem.chunksOf(item).stream().filter(c -> c.text() != null).forEach(chunks::add);
            }
        }
        Clients.embedInBatches(client, chunks.stream().map(ChunkRequest::text).toList(), library.model(),
                (from, vectors) -> {
                    for (int i = 0; i < vectors.size(); i++) {
                        ChunkRequest chunk = chunks.get(from + i);
                        ObjectNode line = json.createObjectNode();
                        line.put("text", chunk.text());
                        line.set("vector", json.valueToTree(vectors.get(i)));
                        Object pages = chunk.metadata() == null ? null : chunk.metadata().get("pages");
                        line.set("pages", json.valueToTree(pages == null ? List.of() : pages));
                        out.println(line);
                    }
                });
        return items.stream().anyMatch(ImportItem.Refused.class::isInstance) ? 1 : 0;
    }
}
