package io.vectorstream.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.schema.IndexSpec;
import io.vectorstream.schema.SchemaValidator;
import io.vectorstream.schema.Violation;
import io.vectorstream.stream.EventTranslator;
import io.vectorstream.stream.IndexSpecs;
import java.util.List;

/** Checks request bodies with the same schemas and vector rules the stream applies to events. */
public final class Validation {

    private Validation() {
    }

    /**
     * @throws ApiException 400 naming the first offending field
     */
    public static void requireValid(final SchemaValidator.Schema schema, final JsonNode body) {
        List<Violation> violations = SchemaValidator.get().validate(schema, body);
        if (!violations.isEmpty()) {
            Violation first = violations.getFirst();
            throw ApiException.badRequest(first.field() == null ? first.message() : first.field() + ": " + first.message(),
                    first.field());
        }
    }

    /**
     * @throws ApiException 400 naming {@code field}, or the parameter under it, when no index can be made from the spec
     */
    public static void requireIndex(final IndexSpec spec, final String field) {
        IndexSpecs.Problem problem = IndexSpecs.problem(spec);
        if (problem != null) {
            throw ApiException.badRequest(problem.message(), problem.field(field));
        }
    }

    /**
     * Checks that a chunk body has what the library needs: a vector it can take, or text its
     * model can embed.
     *
     * @param prefix the chunk's path in the request ({@code chunks[3].}), or empty
     * @throws ApiException 400 naming the field
     */
    public static void requireChunkContent(final LibraryRecord library, final JsonNode chunk, final String prefix) {
        if (chunk.hasNonNull("embedding")) {
            requireVector(library, chunk.get("embedding"), prefix + "embedding");
        } else if (library.model() == null) {
            throw ApiException.badRequest("embedding is required: library '" + library.id()
                    + "' has no model to embed text with", prefix + "embedding");
        } else if (!chunk.hasNonNull("text") || chunk.get("text").asText().isBlank()) {
            throw ApiException.badRequest("text is empty: there is nothing to embed", prefix + "text");
        }
    }

    /**
     * A vector the library can take (right dimension, finite, non-zero under cosine), normalised
     * under cosine.
     *
     * @throws ApiException 400 naming {@code field}
     */
    public static float[] requireVector(final LibraryRecord library, final JsonNode vector, final String field) {
        try {
            return EventTranslator.checkedVector(library, vector, field);
        } catch (EventTranslator.InvalidVector e) {
            throw ApiException.badRequest(e.getMessage(), e.field());
        }
    }
}
