package io.vectorstream.schema;

/**
 * One reason a JSON document broke its schema or a rule of the domain.
 *
 * @param field   dotted path of the offending field ({@code payload.embedding}, {@code chunks[2].id}),
 *                or {@code null} when the whole document is at fault
 * @param message what is wrong, for a human
 */
public record Violation(String field, String message) {

    @Override
    public String toString() {
        return field == null ? message : field + ": " + message;
    }
}
