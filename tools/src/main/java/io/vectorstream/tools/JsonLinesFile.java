package io.vectorstream.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.vectorstream.client.ChunkRequest;
import io.vectorstream.client.DocumentRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A JSON Lines import file: per line the REST body of a document (with its {@code id}) or of a
 * chunk (with its {@code documentId} and {@code id}); a line that is neither is refused, named by
 * its number, and the others still count.
 */
final class JsonLinesFile {

    private static final ObjectMapper JSON = strict();

    private JsonLinesFile() {
    }

    /** Unknown fields and a number or boolean where text belongs are faults of the line, not guessed at. */
    private static ObjectMapper strict() {
        ObjectMapper mapper = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean}) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        return mapper;
    }

    static List<ImportItem> read(final Path file) {
        List<ImportItem> items = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (!line.isBlank()) {
                    items.add(item(file.getFileName() + ":" + number, line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return items;
    }

    /**
     * An {@code embedding} given as base64 of little-endian float32, as the REST API takes it, made
     * the array of numbers the client sends.
     */
    private static void decodeBase64Embedding(final ObjectNode chunk) {
        if (chunk.path("embedding").isTextual()) {
            byte[] bytes = Base64.getDecoder().decode(chunk.get("embedding").asText());
            if (bytes.length % Float.BYTES != 0) {
                throw new IllegalArgumentException("\"embedding\" in base64 must be float32 values, 4 bytes each");
            }
            FloatBuffer floats = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            ArrayNode array = chunk.putArray("embedding");
            while (floats.hasRemaining()) {
                array.add(floats.get());
            }
        }
    }

    /** The field at fault and what is wrong with it, in a user's words rather than Jackson's. */
    private static String fault(final JsonMappingException e) {
        String field = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        if (e instanceof UnrecognizedPropertyException) {
            return "unknown field \"" + field + "\"";
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return "\"" + field + "\" must be " + switch (mismatch.getTargetType().getSimpleName()) {
                case "String" -> "a string";
                case "float[]" -> "an array of numbers (or base64 of float32)";
                case "Map" -> "an object";
                case "List" -> "an array";
                default -> "a " + mismatch.getTargetType().getSimpleName();
            };
        }
        return "\"" + field + "\": " + e.getOriginalMessage();
    }

    private static ImportItem item(final String source, final String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return new ImportItem.Refused(source, "not JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode body)) {
            return new ImportItem.Refused(source, "not a JSON object");
        }
        if (!body.path("id").isTextual()) {
            return new ImportItem.Refused(source, "\"id\" is missing (a document's or a chunk's id)");
        }
        try {
            if (body.has("documentId")) {
                if (!body.get("documentId").isTextual()) {
                    return new ImportItem.Refused(source, "\"documentId\" must be a string");
                }
                String documentId = body.remove("documentId").asText();
                decodeBase64Embedding(body);
                return new ImportItem.ChunkWrite(source, documentId, JSON.treeToValue(body, ChunkRequest.class));
            }
            String documentId = body.remove("id").asText();
            return new ImportItem.DocumentWrite(source, documentId, JSON.treeToValue(body, DocumentRequest.class));
        } catch (JsonMappingException e) {
            return new ImportItem.Refused(source, "not a document or chunk body: " + fault(e));
        } catch (JsonProcessingException e) {
            return new ImportItem.Refused(source, "not a document or chunk body: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            return new ImportItem.Refused(source, e.getMessage());
        }
    }
}
