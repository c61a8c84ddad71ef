package io.vectorstream.schema;

import com.fasterxml.jackson.databind.JsonNode;
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

    private SchemaValidator() {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(
                        "https://vectorstream.io/schemas/", "classpath:schemas/")));
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .formatAssertionsEnabled(true)
                .regularExpressionFactory(EcmaEndAnchors.INSTANCE)
                .build();
        for (Schema schema : Schema.values()) {
            schemas.put(schema, factory.getSchema(SchemaLocation.of("classpath:" + schema.resource()), config));
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
        Set<ValidationMessage> messages = schemas.get(schema).validate(document);
        List<Violation> violations = new ArrayList<>(messages.size());
        for (ValidationMessage message : messages) {
            violations.add(new Violation(fieldOf(message), message.getError()));
        }
        // Deepest path first: "payload.embedding" explains more than "payload".
        violations.sort(Comparator.comparingInt((Violation v) -> v.field() == null ? 0 : v.field().length()).reversed());
        return violations;
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
