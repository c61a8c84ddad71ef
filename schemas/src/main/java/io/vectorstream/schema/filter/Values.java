package io.vectorstream.schema.filter;

import com.fasterxml.jackson.databind.JsonNode;

/** How two JSON values compare in the filter language. */
final class Values {

    private Values() {
    }

    /**
     * The order of {@code actual} against {@code wanted}: negative, zero or positive; null when
     * they do not compare (different types, a missing field, or an order asked of booleans or
     * nulls, which only compare for equality).
     */
    static Integer order(final JsonNode actual, final JsonNode wanted, final boolean equalityOnly) {
        if (actual == null || actual.isMissingNode()) {
            return null;
        }
        if (actual.isNumber() && wanted.isNumber()) {
            return actual.isIntegralNumber() && wanted.isIntegralNumber() && actual.canConvertToLong()
                    && wanted.canConvertToLong()
                    ? Long.compare(actual.longValue(), wanted.longValue())
                    : actual.decimalValue().compareTo(wanted.decimalValue());
        }
        if (actual.isTextual() && wanted.isTextual()) {
            return actual.textValue().compareTo(wanted.textValue());
        }
        if (!equalityOnly) {
            return null;
        }
        if (actual.isBoolean() && wanted.isBoolean()) {
            return actual.booleanValue() == wanted.booleanValue() ? 0 : 1;
        }
        if (actual.isNull() && wanted.isNull()) {
            return 0;
        }
        return null;
    }
}
