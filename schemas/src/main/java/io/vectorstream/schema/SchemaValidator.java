package io.vectorstream.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.FailFastAssertionException;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates JSON documents against the project's JSON Schemas (2020-12), shipped in this jar under
 * {@code /schemas}. The schemas are the contract; this class only runs them. Thread-safe.
 */
public final class SchemaValidator {

    /** The schemas a document can be checked against. */
    public enum Schema {
        EVENT("event.json"),
        LIBRARY("library.json"),
        LIBRARY_PATCH("library-patch.json"),
        DOCUMENT("document.json"),
        CHUNK("chunk.json"),
        SEARCH_REQUEST("search-request.json"),
        SEARCH_BATCH_REQUEST("search-batch-request.json"),
        SEARCH_BATCH_RESPONSE("search-batch-response.json"),
        COUNT_REQUEST("count-request.json"),
        COUNT_RESPONSE("count-response.json"),
        LIBRARY_RESPONSE("library-response.json"),
        DOCUMENT_RESPONSE("document-response.json"),
        CHUNK_RESPONSE("chunk-response.json"),
        SEARCH_RESPONSE("search-response.json"),
        EMBED_REQUEST("embed-request.json"),
        EMBED_RESPONSE("embed-response.json"),
        PAGE("page.json"),
        ERROR("error.json"),
        /** One id (of a library, document or chunk), as in a URL path. */
        ID("common.json#/$defs/id");

        private final String file;

        Schema(final String file) {
            this.file = file;
        }

        /** Path of the schema file inside the jar. */
        public String resource() {
            return "schemas/" + file;
        }
    }

    private static final SchemaValidator INSTANCE = new SchemaValidator();

    private final Map<Schema, JsonSchema> schemas = new EnumMap<>(Schema.class);
    /** The same schemas, stopping at the first violation: what {@link #firstViolation} runs. */
    private final Map<Schema, JsonSchema> failFast = new EnumMap<>(Schema.class);

    private SchemaValidator() {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(
                        "https://vectorstream.io/schemas/", "classpath:schemas/")));
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .formatAssertionsEnabled(true)
                .regularExpressionFactory(EcmaEndAnchors.INSTANCE)
                .build();
        SchemaValidatorsConfig failFastConfig = SchemaValidatorsConfig.builder(config).failFast(true).build();
        for (Schema schema : Schema.values()) {
            schemas.put(schema, factory.getSchema(SchemaLocation.of("classpath:" + schema.resource()), config));
            failFast.put(schema, factory.getSchema(SchemaLocation.of("classpath:" + schema.resource()), failFastConfig));
        }
    }

    /** The shared validator. */
    public static SchemaValidator get() {
        return INSTANCE;
    }

    /**
     * Checks a document against a schema.
     *
     * @return the violations, most specific first; empty when the document is valid
     */
    public List<Violation> validate(final Schema schema, final JsonNode document) {
        return sorted(schemas.get(schema).validate(document));
    }

    private static List<Violation> sorted(final Set<ValidationMessage> messages) {
        List<Violation> violations = new ArrayList<>(messages.size());
        for (ValidationMessage message : messages) {
            violations.add(new Violation(fieldOf(message), message.getError()));
        }
        // Deepest path first: "payload.embedding" explains more than "payload"; of equal depth, in the
        // order found (chunks[0] before chunks[1000], which its longer text would have put first).
        violations.sort(Comparator.comparingInt(SchemaValidator::depth).reversed());
        return violations;
    }

    /**
     * The first violation of a document, or {@code null} when it is valid: the schema runs until
     * it finds one, rather than collecting every violation of a body that may hold 10,000 chunks.
     * Inside {@code oneOf}/{@code anyOf} the validator still weighs every branch, and reports those
     * violations together, most specific first, as {@link #validate} does.
     */
    public Violation firstViolation(final Schema schema, final JsonNode document) {
        try {
            Set<ValidationMessage> messages = failFast.get(schema).validate(document);
            if (messages.isEmpty()) {
                return null;
            }
            return sorted(messages).getFirst();
        } catch (FailFastAssertionException first) {
            return new Violation(fieldOf(first.getValidationMessage()), first.getValidationMessage().getError());
        }
    }

    /** How many steps down the offending field is: {@code payload.chunks[2].text} is 4. */
    private static int depth(final Violation violation) {
        String field = violation.field();
        if (field == null) {
            return 0;
        }
        int depth = 1;
        for (int i = 0; i < field.length(); i++) {
            if (field.charAt(i) == '.' || field.charAt(i) == '[') {
                depth++;
            }
        }
        return depth;
    }

    /** The offending field as a dotted path: the instance location, plus the property a "required" rule missed. */
    private static String fieldOf(final ValidationMessage message) {
        JsonNodePath location = message.getInstanceLocation();
        StringBuilder dotted = new StringBuilder();
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            if (element instanceof Integer index) {
                dotted.append('[').append(index).append(']');
            } else {
                dotted.append(dotted.isEmpty() ? "" : ".").append(element);
            }
        }
        String path = dotted.toString();
        String property = message.getProperty();
        boolean namesProperty = "required".equals(message.getType()) || "additionalProperties".equals(message.getType());
        if (namesProperty && property != null) {
            path = path.isEmpty() ? property : path + "." + property;
        }
        return path.isEmpty() ? null : path;
    }
}
