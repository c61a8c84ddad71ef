package io.vectorstream.schema.filter;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * A search filter, compiled once from its JSON ({@link FilterParser}) and tested against each
 * candidate chunk ({@link FilterTarget}). The language is the one Pinecone, Chroma and MongoDB
 * users know: equality, comparisons, membership, existence, substring, and {@code $and},
 * {@code $or}, {@code $not}. Values compare only with values of their own type: numbers as
 * numbers, strings as strings, booleans and {@code null} only by equality; a comparison with a
 * value of another type, or with a field the chunk does not have, matches nothing ({@code $ne},
 * {@code $nin} and {@code $not} match what their positive form does not).
 */
public sealed interface Filter {

    /** Whether the chunk matches. */
    boolean test(FilterTarget chunk);

    /** Every chunk. */
    Filter ALL = new And(List.of());

    /** All of them (none: every chunk). */
    record And(List<Filter> all) implements Filter {
        @Override
        public boolean test(final FilterTarget chunk) {
            for (Filter filter : all) {
                if (!filter.test(chunk)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Any of them. */
    record Or(List<Filter> any) implements Filter {
        @Override
        public boolean test(final FilterTarget chunk) {
            for (Filter filter : any) {
                if (filter.test(chunk)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Not it. */
    record Not(Filter negated) implements Filter {
        @Override
        public boolean test(final FilterTarget chunk) {
            return !negated.test(chunk);
        }
    }

    /** The operators that compare a field with one value. */
    enum Comparison {
        EQ("$eq"), GT("$gt"), GTE("$gte"), LT("$lt"), LTE("$lte");

        private final String operator;

        Comparison(final String operator) {
            this.operator = operator;
        }

        public String operator() {
            return operator;
        }

        boolean holds(final int order) {
            return switch (this) {
                case EQ -> order == 0;
                case GT -> order > 0;
                case GTE -> order >= 0;
                case LT -> order < 0;
                case LTE -> order <= 0;
            };
        }
    }

    /** {@code field OP value} ({@code $ne} is a {@link Not} of {@code $eq}). */
    record Compare(String field, Comparison op, JsonNode value) implements Filter {
        @Override
        public boolean test(final FilterTarget chunk) {
            Integer order = Values.order(chunk.field(field), value, op == Comparison.EQ);
            return order != null && op.holds(order);
        }
    }

    /** A built-in time ({@code createdAt}, {@code updatedAt}) against an instant. */
    record CompareTime(String field, Comparison op, Instant value) implements Filter {
        @Override
        public boolean test(final FilterTarget chunk) {
            Instant at = chunk.time(field);
            return at != null && op.holds(at.compareTo(value));
        }
    }

    /**
     * A metadata field declared {@code timestamp} ({@link MetadataSchema}) against an instant: its
     * value, an RFC 3339 string, compares as the instant it names.
     */
    record CompareInstant(String field, Comparison op, Instant value) implements Filter {
        @Override
        public boolean test(final FilterTarget chunk) {
            JsonNode actual = chunk.field(field);
            Instant at = actual.isTextual() ? MetadataSchema.instant(actual.textValue()) : null;
            return at != null && op.holds(at.compareTo(value));
        }
    }

    /** The field equals one of the values ({@code $nin} is a {@link Not} of it). */
    record In(String field, List<JsonNode> values) implements Filter {
        @Override
        public boolean test(final FilterTarget chunk) {
            JsonNode actual = chunk.field(field);
            for (JsonNode value : values) {
                Integer order = Values.order(actual, value, true);
                if (order != null && order == 0) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The chunk has the field (a JSON {@code null} counts as having it). */
    record Exists(String field) implements Filter {
        @Override
        public boolean test(final FilterTarget chunk) {
            return !chunk.field(field).isMissingNode();
        }
    }

    /** A string field containing {@code part}, or a list field with {@code part} as an element. */
    record Contains(String field, String part) implements Filter {
        @Override
        public boolean test(final FilterTarget chunk) {
            JsonNode actual = chunk.field(field);
            if (actual.isTextual()) {
                return actual.textValue().contains(part);
            }
            if (actual.isArray()) {
                for (JsonNode element : actual) {
                    if (element.isTextual() && element.textValue().equals(part)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }
}
