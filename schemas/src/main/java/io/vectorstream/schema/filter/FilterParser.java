package io.vectorstream.schema.filter;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a filter's JSON into a {@link Filter}, once per query:
 * <ul>
 *   <li>{@code {"field": value}}: equals; {@code {"field": {"$eq"|"$ne"|"$gt"|"$gte"|"$lt"|"$lte": value}}};
 *       {@code {"field": {"$in"|"$nin": [values]}}}; {@code {"field": {"$exists": true|false}}};
 *       {@code {"field": {"$contains": "part"}}} (a substring, or an element of a string list);</li>
 *   <li>{@code {"$and": [..]}}, {@code {"$or": [..]}}, {@code {"$not": {..}}}; several keys in one
 *       object are all required;</li>
 *   <li>fields: the chunk's metadata by name, {@code document.<name>} for its document's, and the
 *       built-ins {@code id}, {@code documentId}, {@code createdAt}, {@code updatedAt} (the times
 *       compare with RFC 3339 strings as instants).</li>
 * </ul>
 * Anything else is refused with the path of the offending part.
 */
public final class FilterParser {

    /** How deep filters may nest (each object or list of them one level). */
    public static final int MAX_DEPTH = 16;
    /** The built-in fields that are times. */
    public static final Set<String> TIMES = Set.of("createdAt", "updatedAt");
    /** The built-in fields that are text: the chunk's id and its document's (a metadata field of that name is never read). */
    public static final Set<String> TEXT_BUILT_INS = Set.of("id", "documentId");
    /** The prefix of a document's metadata field. */
    public static final String DOCUMENT_PREFIX = "document.";

    private static final Map<String, Filter.Comparison> COMPARISONS = Map.of("$eq", Filter.Comparison.EQ,
            "$gt", Filter.Comparison.GT, "$gte", Filter.Comparison.GTE, "$lt", Filter.Comparison.LT,
            "$lte", Filter.Comparison.LTE);

    /**
     * The filter of {@code json} (null or missing: every chunk).
     *
     * @param path where it is in the request ({@code filter})
     * @throws FilterException naming the path of what is wrong
     */
    public static Filter parse(final JsonNode json, final String path) {
        return parse(json, path, MetadataSchema.NONE);
    }

    /**
     * As {@link #parse(JsonNode, String)}, with the chunk metadata fields {@code schema} declares
     * checked against their types (a {@code timestamp} field compares as instants).
     */
    public static Filter parse(final JsonNode json, final String path, final MetadataSchema schema) {
        if (json == null || json.isMissingNode() || json.isNull()) {
            return Filter.ALL;
        }
        return new FilterParser(schema).object(json, path, 1);
    }

    private final MetadataSchema schema;

    private FilterParser(final MetadataSchema schema) {
        this.schema = schema;
    }

    private Filter object(final JsonNode json, final String path, final int depth) {
        if (depth > MAX_DEPTH) {
            throw new FilterException(path, "filters nest deeper than " + MAX_DEPTH + " levels");
        }
        if (!json.isObject()) {
            throw new FilterException(path, "must be an object of fields and operators");
        }
        List<Filter> all = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = json.fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> entry = fields.next();
            String key = entry.getKey();
            String at = path + "." + key;
            switch (key) {
                case "$and", "$or" -> {
                    JsonNode list = entry.getValue();
                    if (!list.isArray() || list.isEmpty()) {
                        throw new FilterException(at, key + " takes a non-empty list of filters");
                    }
                    List<Filter> parts = new ArrayList<>();
                    for (int i = 0; i < list.size(); i++) {
                        parts.add(object(list.get(i), at + "[" + i + "]", depth + 1));
                    }
                    all.add(key.equals("$and") ? new Filter.And(List.copyOf(parts)) : new Filter.Or(List.copyOf(parts)));
                }
                case "$not" -> all.add(new Filter.Not(object(entry.getValue(), at, depth + 1)));
                default -> {
                    if (key.startsWith("$")) {
                        throw new FilterException(at, "unknown operator " + key + " (at this level: $and, $or, $not,"
                                + " or a field name)");
                    }
                    all.add(field(key, entry.getValue(), at));
                }
            }
        }
        if (all.isEmpty()) {
            throw new FilterException(path, "an empty filter; leave it out to match every chunk");
        }
        return all.size() == 1 ? all.getFirst() : new Filter.And(List.copyOf(all));
    }

    private Filter field(final String field, final JsonNode condition, final String path) {
        if (field.isBlank() || field.equals(DOCUMENT_PREFIX.substring(0, DOCUMENT_PREFIX.length() - 1))
                || field.equals(DOCUMENT_PREFIX)) {
            throw new FilterException(path, "names no field");
        }
        if (condition.isObject()) {
            if (condition.isEmpty()) {
                throw new FilterException(path, "needs an operator ($eq, $ne, $gt, $gte, $lt, $lte, $in, $nin,"
                        + " $exists, $contains) or a value");
            }
            List<Filter> all = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> ops = condition.fields(); ops.hasNext();) {
                Map.Entry<String, JsonNode> op = ops.next();
                all.add(operator(field, op.getKey(), op.getValue(), path + "." + op.getKey()));
            }
            return all.size() == 1 ? all.getFirst() : new Filter.And(List.copyOf(all));
        }
        if (condition.isArray()) {
            throw new FilterException(path, "a list is not a value to compare with; use {\"$in\": [...]} for any of"
                    + " them, or {\"$contains\": value} for a list field holding one");
        }
        return operator(field, "$eq", condition, path);
    }

    private Filter operator(final String field, final String op, final JsonNode operand, final String path) {
        MetadataSchema.Type declared = TIMES.contains(field) || TEXT_BUILT_INS.contains(field)
                || field.startsWith(DOCUMENT_PREFIX) ? null : schema.type(field);
        return declared != null ? declared(field, declared, op, operand, path) : untyped(field, op, operand, path);
    }

    /** An operator as the language has it, whatever types the field holds. */
    private static Filter untyped(final String field, final String op, final JsonNode operand, final String path) {
        boolean time = TIMES.contains(field);
        switch (op) {
            case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte" -> {
                Filter.Comparison comparison = COMPARISONS.getOrDefault(op, Filter.Comparison.EQ);
                Filter compare;
                if (time) {
                    compare = new Filter.CompareTime(field, comparison, instant(operand, path));
                } else {
                    scalar(operand, path);
                    if (comparison != Filter.Comparison.EQ && !operand.isNumber() && !operand.isTextual()) {
                        throw new FilterException(path, op + " compares numbers or strings, not " + kind(operand));
                    }
                    compare = new Filter.Compare(field, comparison, operand);
                }
                return op.equals("$ne") ? new Filter.Not(compare) : compare;
            }
            case "$in", "$nin" -> {
                if (!operand.isArray()) {
                    throw new FilterException(path, op + " takes a list of values");
                }
                List<JsonNode> values = new ArrayList<>();
                for (int i = 0; i < operand.size(); i++) {
                    scalar(operand.get(i), path + "[" + i + "]");
                    values.add(operand.get(i));
                }
                if (time) {
                    throw new FilterException(path, field + " compares with $eq, $ne, $gt, $gte, $lt and $lte");
                }
                Filter in = new Filter.In(field, List.copyOf(values));
                return op.equals("$nin") ? new Filter.Not(in) : in;
            }
            case "$exists" -> {
                if (!operand.isBoolean()) {
                    throw new FilterException(path, "$exists takes true or false");
                }
                Filter exists = new Filter.Exists(field);
                return operand.booleanValue() ? exists : new Filter.Not(exists);
            }
            case "$contains" -> {
                if (!operand.isTextual()) {
                    throw new FilterException(path, "$contains takes a string");
                }
                return new Filter.Contains(field, operand.textValue());
            }
            default -> throw new FilterException(path, "unknown operator " + op + " ($eq, $ne, $gt, $gte, $lt, $lte,"
                    + " $in, $nin, $exists, $contains)");
        }
    }

    /** An operator on a field the library's metadata schema declares: its operand checked against the type. */
    private Filter declared(final String field, final MetadataSchema.Type type, final String op, final JsonNode operand,
                            final String path) {
        String declaredAs = field + " is declared " + type.wireName() + " in the library's metadataSchema";
        boolean list = type == MetadataSchema.Type.STRING_LIST;
        switch (op) {
            case "$exists" -> {
                return untyped(field, op, operand, path);
            }
            case "$contains" -> {
                if (type != MetadataSchema.Type.STRING && !list) {
                    throw new FilterException(path, declaredAs + ": $contains applies to string and string[] fields");
                }
                return untyped(field, op, operand, path);
            }
            case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin" -> {
                if (list) {
                    throw new FilterException(path, declaredAs + ": filter it with $contains or $exists");
                }
                if (type == MetadataSchema.Type.TIMESTAMP) {
                    if (op.equals("$in") || op.equals("$nin")) {
                        throw new FilterException(path, declaredAs + ": it compares with $eq, $ne, $gt, $gte, $lt"
                                + " and $lte");
                    }
                    Instant at = operand.isTextual() ? MetadataSchema.instant(operand.textValue()) : null;
                    if (at == null) {
                        throw new FilterException(path, declaredAs + ": compare it with an RFC 3339 time"
                                + " (2026-12-07T10:00:00Z)");
                    }
                    Filter compare = new Filter.CompareInstant(field, COMPARISONS.getOrDefault(op, Filter.Comparison.EQ),
                            at);
                    return op.equals("$ne") ? new Filter.Not(compare) : compare;
                }
                if (operand.isArray()) {
                    for (int i = 0; i < operand.size(); i++) {
                        requireOfType(type, operand.get(i), path + "[" + i + "]", declaredAs);
                    }
                } else {
                    requireOfType(type, operand, path, declaredAs);
                }
                return untyped(field, op, operand, path);
            }
            default -> {
                return untyped(field, op, operand, path);
            }
        }
    }

    private static void requireOfType(final MetadataSchema.Type type, final JsonNode value, final String path,
                                      final String declaredAs) {
        if (!value.isNull() && !value.isContainerNode() && !type.admits(value)) {
            throw new FilterException(path, declaredAs + ": compare it with " + type.described());
        }
    }

    private static void scalar(final JsonNode value, final String path) {
        if (value.isContainerNode()) {
            throw new FilterException(path, "must be a string, a number, true, false or null, not " + kind(value));
        }
    }

    private static Instant instant(final JsonNode value, final String path) {
        if (!value.isTextual()) {
            throw new FilterException(path, "a time is an RFC 3339 string (2026-12-07T10:00:00Z)");
        }
        try {
            return Instant.parse(value.textValue());
        } catch (DateTimeParseException e) {
            throw new FilterException(path, "'" + value.textValue() + "' is not an RFC 3339 time (2026-12-07T10:00:00Z)");
        }
    }

    private static String kind(final JsonNode value) {
        return switch (value.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> value.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
