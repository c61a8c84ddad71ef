package io.vectorstream.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The example texts {@code seed} writes ({@code seed/examples.jsonl} on the class path): eight
 * topics of forty, in documents of eight under a title.
 */
final class SeedTexts {

    /** Texts of one document. */
    static final int PER_DOCUMENT = 8;

    /** One example: {@code topic-nn}, its topic, its document's title and the text. */
    record Text(String id, String topic, String title, String text, int number) {

        /** The document it belongs to: {@code seed-<topic>-<k>}, the k-th run of eight of its topic. */
        String documentId() {
            return "seed-" + topic + "-" + ((number - 1) / PER_DOCUMENT + 1);
        }
    }

    private SeedTexts() {
    }

    /** Every example, in the file's order. */
    static List<Text> all() {
        ObjectMapper json = new ObjectMapper();
        List<Text> texts = new ArrayList<>();
        try (InputStream in = SeedTexts.class.getResourceAsStream("/seed/examples.jsonl")) {
            if (in == null) {
                throw new IllegalStateException("seed/examples.jsonl is missing from the class path");
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode text = json.readTree(line);
                String id = text.get("id").asText();
                texts.add(new Text(id, text.get("topic").asText(), text.get("title").asText(),
                        text.get("text").asText(), Integer.parseInt(id.substring(id.lastIndexOf('-') + 1))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return texts;
    }

    /**
     * The first {@code count} examples taken across the topics in turn (the first of each topic,
     * then the second, ...), so that any count covers every topic; always the same ones.
     */
    static List<Text> pick(final List<Text> all, final int count) {
        Map<String, Integer> topicOrder = new LinkedHashMap<>();
        all.forEach(t -> topicOrder.putIfAbsent(t.topic(), topicOrder.size()));
        return all.stream()
                .sorted(Comparator.comparingInt(Text::number).thenComparing(t -> topicOrder.get(t.topic())))
                .limit(count)
                .toList();
    }
}
