package io.vectorstream.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.schema.filter.Filter.Comparison;
import io.vectorstream.schema.filter.MetadataSchema;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.roaringbitmap.FastAggregation;
import org.roaringbitmap.RoaringBitmap;

/**
 * The values one metadata field has across a shard's chunks, each with the chunks (ordinals) that
 * have it: numbers and strings in sorted maps (ranges are a sub-map), booleans and nulls, the
 * string elements of list values, and every chunk that has the field at all. Compares as the
 * filter language does ({@link io.vectorstream.schema.filter.Filter}): numbers as numbers (by
 * decimal value, so 2 and 2.0 are one value), strings as strings, booleans and null by equality.
 * Guarded by its {@link FieldIndex}'s lock.
 */
final class FieldValues {

    /** The chunks holding one value of the field; dropped from its map when it holds none. */
    final class Posting {
        private final Map<?, Posting> owner;
        private final Object value;
        private final RoaringBitmap chunks = new RoaringBitmap();

        private Posting(final Map<?, Posting> owner, final Object value) {
            this.owner = owner;
            this.value = value;
        }

        void remove(final int ordinal) {
            chunks.remove(ordinal);
            if (chunks.isEmpty() && owner != null) {
                owner.remove(value);
            }
        }
    }

    private final NavigableMap<BigDecimal, Posting> numbers = new TreeMap<>();
    private final NavigableMap<String, Posting> strings = new TreeMap<>();
    private final Map<Boolean, Posting> booleans = new HashMap<>();
    private final Map<String, Posting> elements = new HashMap<>();
    /** The string values that are RFC 3339 times, by instant: for fields declared {@code timestamp}. */
    private final NavigableMap<Instant, Posting> instants = new TreeMap<>();
    private final Posting nulls = new Posting(null, null);
    private final Posting present = new Posting(null, null);

    /** Adds a chunk's value of this field; returns the postings it went into (to remove it later). */
    List<Posting> add(final int ordinal, final JsonNode value) {
        List<Posting> into = new ArrayList<>(2);
        into.add(present);
        if (value.isNumber()) {
            into.add(posting(numbers, value.decimalValue()));
        } else if (value.isTextual()) {
            into.add(posting(strings, value.textValue()));
            Instant at = MetadataSchema.instant(value.textValue());
            if (at != null) {
                into.add(posting(instants, at));
            }
        } else if (value.isBoolean()) {
            into.add(posting(booleans, value.booleanValue()));
        } else if (value.isNull()) {
            into.add(nulls);
        } else if (value.isArray()) {
            for (JsonNode element : value) {
                if (element.isTextual()) {
                    Posting posting = posting(elements, element.textValue());
                    if (!into.contains(posting)) {
                        into.add(posting);
                    }
                }
            }
        }
        for (Posting posting : into) {
            posting.chunks.add(ordinal);
        }
        return into;
    }

    private <V> Posting posting(final Map<V, Posting> map, final V value) {
        return map.computeIfAbsent(value, v -> new Posting(map, v));
    }

    /** The chunks whose value compares with {@code value} as {@code op} asks (a new bitmap). */
    RoaringBitmap compare(final Comparison op, final JsonNode value) {
        if (value.isNumber()) {
            return range(numbers, op, value.decimalValue());
        }
        if (value.isTextual()) {
            return range(strings, op, value.textValue());
        }
        if (op != Comparison.EQ) {
            return new RoaringBitmap(); // booleans and null compare only for equality
        }
        if (value.isBoolean()) {
            return copy(booleans.get(value.booleanValue()));
        }
        return value.isNull() ? copy(nulls) : new RoaringBitmap();
    }

    /** The chunks whose value is an RFC 3339 time that compares with {@code value} as {@code op} asks. */
    RoaringBitmap compareInstant(final Comparison op, final Instant value) {
        return range(instants, op, value);
    }

    /** The chunks that have the field, whatever its value. */
    RoaringBitmap present() {
        return present.chunks.clone();
    }

    /** The chunks whose string value contains {@code part}, or whose list value has it as an element. */
    RoaringBitmap contains(final String part) {
        List<RoaringBitmap> found = new ArrayList<>();
        for (Map.Entry<String, Posting> entry : strings.entrySet()) {
            if (entry.getKey().contains(part)) {
                found.add(entry.getValue().chunks);
            }
        }
        Posting element = elements.get(part);
        if (element != null) {
            found.add(element.chunks);
        }
        return union(found);
    }

    private static <V extends Comparable<V>> RoaringBitmap range(final NavigableMap<V, Posting> map,
                                                                  final Comparison op, final V value) {
        Map<V, Posting> matching = switch (op) {
            case EQ -> {
                Posting one = map.get(value);
                yield one == null ? Map.of() : Map.of(value, one);
            }
            case GT -> map.tailMap(value, false);
            case GTE -> map.tailMap(value, true);
            case LT -> map.headMap(value, false);
            case LTE -> map.headMap(value, true);
        };
        List<RoaringBitmap> found = new ArrayList<>(matching.size());
        matching.values().forEach(posting -> found.add(posting.chunks));
        return union(found);
    }

    private static RoaringBitmap union(final List<RoaringBitmap> bitmaps) {
        return switch (bitmaps.size()) {
            case 0 -> new RoaringBitmap();
            case 1 -> bitmaps.getFirst().clone();
            default -> FastAggregation.or(bitmaps.iterator());
        };
    }

    private static RoaringBitmap copy(final Posting posting) {
        return posting == null ? new RoaringBitmap() : posting.chunks.clone();
    }
}
