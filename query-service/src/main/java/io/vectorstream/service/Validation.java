package io.vectorstream.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.schema.IndexSpec;
import io.vectorstream.schema.Limits;
import io.vectorstream.schema.SchemaValidator;
import io.vectorstream.schema.VectorRules;
import io.vectorstream.schema.Violation;
import io.vectorstream.store.IndexMemory;
import io.vectorstream.store.IndexSpecs;

/** Checks request bodies with the same schemas and vector rules the stream applies to events. */
public final class Validation {

    private Validation() {
    }

    /**
     * @throws Refusal an invalid request naming the first offending field
     */
    public static void requireValid(final SchemaValidator.Schema schema, final JsonNode body) {
        Violation first = SchemaValidator.get().firstViolation(schema, body);
        if (first != null) {
            throw Refusal.badRequest(first.field() == null ? first.message() : first.field() + ": " + first.message(),
                    first.field());
        }
    }

    /**
     * Checks a body against the size limits, before the schema: one pass, so that a body of 16 MiB
     * that breaks a limit is refused without the schema checking each of its parts.
     *
     * @throws Refusal payload too large naming the field and the limit
     */
    public static void requireWithinLimits(final Limits limits, final JsonNode body, final Limits.Kind kind) {
        Violation violation = limits.violation(body, kind);
        if (violation != null) {
            throw Refusal.tooLarge(violation.message(), violation.field());
        }
    }

    /**
     * Checks that {@code bytes} more of a library's index memory fit this instance's budgets.
     *
     * @throws Refusal insufficient storage, saying which budget is full
     */
    public static void requireIndexMemory(final String libraryId, final long bytes) {
        try {
            IndexMemory.requireRoom(libraryId, bytes);
        } catch (IndexMemory.OverBudget e) {
            throw new Refusal(Refusal.Reason.INSUFFICIENT_STORAGE, e.getMessage(), null);
        }
    }

    /**
     * @throws Refusal an invalid request naming {@code field}, or the parameter under it, when no index of
     *                      {@code dimension} can be made from the spec
     */
    public static void requireIndex(final IndexSpec spec, final int dimension, final String field) {
        IndexSpecs.Problem problem = IndexSpecs.problem(spec, dimension);
        if (problem != null) {
            throw Refusal.badRequest(problem.message(), problem.field(field));
        }
    }

    /**
     * Checks that a chunk body has what the library needs: metadata of the types its
     * {@code metadataSchema} declares, and a vector it can take or text its model can embed.
     *
     * @param prefix the chunk's path in the request ({@code chunks[3].}), or empty
     * @throws Refusal an invalid request naming the field
     */
    public static void requireChunkContent(final LibraryRecord library, final JsonNode chunk, final String prefix) {
        if (library.metadataSchemaJson() != null) {
            Violation wrongType = library.metadataSchema().violation(chunk.get("metadata"), prefix + "metadata");
            if (wrongType != null) {
                throw Refusal.badRequest(wrongType.field() + ": " + wrongType.message(), wrongType.field());
            }
        }
        if (chunk.hasNonNull("embedding")) {
            requireVector(library, chunk.get("embedding"), prefix + "embedding");
        } else if (library.model() == null) {
            throw Refusal.badRequest("embedding is required: library '" + library.id()
                    + "' has no model to embed text with", prefix + "embedding");
        } else if (!chunk.hasNonNull("text") || chunk.get("text").asText().isBlank()) {
            throw Refusal.badRequest("text is empty: there is nothing to embed", prefix + "text");
        }
    }

    /**
     * A vector the library can take (right dimension, finite, non-zero under cosine), normalised
     * under cosine.
     *
     * @throws Refusal an invalid request naming {@code field}
     */
    public static float[] requireVector(final LibraryRecord library, final JsonNode vector, final String field) {
        try {
            return VectorRules.checked(library.dimension(), library.metric(), vector, field);
        } catch (VectorRules.InvalidVector e) {
            throw Refusal.badRequest(e.getMessage(), e.field());
        }
    }
}
