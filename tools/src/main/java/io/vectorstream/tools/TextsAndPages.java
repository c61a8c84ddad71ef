package io.vectorstream.tools;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vectorstream.client.ChunkRequest;
import io.vectorstream.client.DocumentRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ingestion hand-off's document format: {@code texts_<doc>.json}, a JSON array of
 * {@code {"text", "page_refs"}}, and beside it {@code pages_<doc>.csv} ({@code page_ref,page_number}).
 * Each text becomes chunk {@code text-0001}, ... of document {@code <doc>}, its metadata
 * {@code pages} the sorted distinct page numbers its references map to. All or nothing: a
 * reference the CSV lacks (or any other fault) refuses the whole document, naming file and line.
 */
final class TextsAndPages {

    static final Pattern TEXTS_FILE = Pattern.compile("texts_(.+)\\.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    private TextsAndPages() {
    }

    /** The document of {@code texts}, or why it cannot be written. */
    static ImportItem read(final Path texts) {
        String name = texts.getFileName().toString();
        Matcher match = TEXTS_FILE.matcher(name);
        if (!match.matches()) {
            return new ImportItem.Refused(name, "a texts file is named texts_<documentId>.json");
        }
        String documentId = match.group(1);
        Path pagesFile = texts.resolveSibling("pages_" + documentId + ".csv");
        Map<String, Integer> pages;
        try {
            pages = pages(pagesFile);
        } catch (Fault fault) {
            return new ImportItem.Refused(fault.source, fault.getMessage());
        }
        List<ChunkRequest> chunks = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(Files.newBufferedReader(texts, StandardCharsets.UTF_8))) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                return new ImportItem.Refused(name + ":" + parser.currentLocation().getLineNr(),
                        "a texts file is a JSON array of {\"text\", \"page_refs\"}");
            }
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                String source = name + ":" + parser.currentTokenLocation().getLineNr();
                JsonNode entry = JSON.readTree(parser);
                if (!entry.path("text").isTextual() || entry.get("text").asText().isBlank()) {
                    return new ImportItem.Refused(source, "\"text\" is missing or empty");
                }
                TreeSet<Integer> numbers = new TreeSet<>();
                for (JsonNode ref : entry.path("page_refs")) {
                    Integer page = pages.get(ref.asText());
                    if (page == null) {
                        return new ImportItem.Refused(source, "page reference '" + ref.asText() + "' is not in "
                                + pagesFile.getFileName() + ": nothing of document '" + documentId + "' is written");
                    }
                    numbers.add(page);
                }
                // Metadata lists hold strings: the numbers as text, in numeric order.
                List<String> pageList = numbers.stream().map(String::valueOf).toList();
                chunks.add(new ChunkRequest(String.format("text-%04d", chunks.size() + 1), entry.get("text").asText(),
                        null, Map.of("pages", pageList)));
            }
        } catch (IOException e) {
            return new ImportItem.Refused(name, "cannot read it: " + e.getMessage());
        }
        return new ImportItem.DocumentWrite(name, documentId, DocumentRequest.of(Map.of("source", name), chunks));
    }

    /** page_ref -> page_number of a pages file. */
    private static Map<String, Integer> pages(final Path file) {
        String name = file.getFileName().toString();
        if (!Files.isRegularFile(file)) {
            throw new Fault(name, "missing: a texts file needs its pages file beside it");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Fault(name, "cannot read it: " + e.getMessage());
        }
        if (lines.isEmpty() || !lines.getFirst().strip().replace("\uFEFF", "").equals("page_ref,page_number")) {
            throw new Fault(name + ":1", "the header must be page_ref,page_number");
        }
        Map<String, Integer> pages = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            int comma = line.lastIndexOf(',');
            try {
                String ref = unquote(line.substring(0, comma));
                pages.put(ref, Integer.parseInt(unquote(line.substring(comma + 1))));
            } catch (RuntimeException e) {
                throw new Fault(name + ":" + (i + 1), "not page_ref,page_number: " + line);
            }
        }
        return pages;
    }

    private static String unquote(final String field) {
        String trimmed = field.strip();
        return trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"")
                ? trimmed.substring(1, trimmed.length() - 1).replace("\"\"", "\"") : trimmed;
    }

    /** A fault of the pages file, with where it is. */
    private static final class Fault extends RuntimeException {
        private final String source;

        Fault(final String source, final String message) {
            super(message);
            this.source = source;
        }
    }
}
