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
import org.roaringbitmap.FastAggregation;
import org.roaringbitmap.RoaringBitmap;

/**
 * The values one metadata field has across a shard's chunks, each with the chunks (ordinals) that
 * have it: numbers, strings and RFC 3339 times sorted ({@link SortedPostings}: a range is a few
 * block unions), booleans and nulls, the string elements of list values, and every chunk that has
 * the field at all. Compares as the filter language does
 * ({@link io.vectorstream.schema.filter.Filter}): numbers as numbers (by decimal value, so 2 and
 * 2.0 are one value), strings as strings, booleans and null by equality. Guarded by its
 * {@link FieldIndex}'s lock.
 */
final class FieldValues {

    /** What holds postings, told when a chunk joins or leaves one. */
    interface Owner {
        default void added(Posting posting, int ordinal) {
        }

        void removed(Posting posting, int ordinal);
    }

    /** The chunks holding one value of the field. */
    static final class Posting {
        private final Owner owner;
        private final Object value;
        private final RoaringBitmap chunks = new RoaringBitmap();

        Posting(final Owner owner, final Object value) {
            this.owner = owner;
            this.value = value;
        }

        Object value() {
            return value;
        }

        RoaringBitmap chunks() {
            return chunks;
        }

        boolean isEmpty() {
            return chunks.isEmpty();
        }

        void add(final int ordinal) {
            chunks.add(ordinal);
            owner.added(this, ordinal);
        }

        void remove(final int ordinal) {
            chunks.remove(ordinal);
            owner.removed(this, ordinal);
        }
    }

    /** Postings in a hash map, each dropped from it when it holds no chunk. */
    private static final class Unsorted<V> implements Owner {
        final Map<V, Posting> postings = new HashMap<>();

        Posting posting(final V value) {
            return postings.computeIfAbsent(value, v -> new Posting(this, v));
        }

        @Override
        public void removed(final Posting posting, final int ordinal) {
            if (posting.isEmpty()) {
                postings.remove(posting.value());
            }
        }
    }

    private static final Owner KEPT = (posting, ordinal) -> { };

    private final SortedPostings<BigDecimal> numbers;
    private final SortedPostings<String> strings;
    /** The string values that are RFC 3339 times, by instant: for fields declared {@code timestamp}. */
    private final SortedPostings<Instant> instants;
    private final Unsorted<Boolean> booleans = new Unsorted<>();
    private final Unsorted<String> elements = new Unsorted<>();
    private final Posting nulls = new Posting(KEPT, null);
    private final Posting present = new Posting(KEPT, null);

    /** @param blockSize values per block of the sorted postings ({@link SortedPostings}) */
    FieldValues(final int blockSize) {
        numbers = new SortedPostings<>(blockSize);
        strings = new SortedPostings<>(blockSize);
        instants = new SortedPostings<>(blockSize);
    }

    /** Adds a chunk's value of this field; returns the postings it went into (to remove it later). */
    List<Posting> add(final int ordinal, final JsonNode value) {
        List<Posting> into = new ArrayList<>(2);
        into.add(present);
        if (value.isNumber()) {
            into.add(numbers.posting(value.decimalValue()));
        } else if (value.isTextual()) {
            into.add(strings.posting(value.textValue()));
            Instant at = MetadataSchema.instant(value.textValue());
            if (at != null) {
                into.add(instants.posting(at));
            }
        } else if (value.isBoolean()) {
            into.add(booleans.posting(value.booleanValue()));
        } else if (value.isNull()) {
            into.add(nulls);
        } else if (value.isArray()) {
            for (JsonNode element : value) {
                if (element.isTextual()) {
                    Posting posting = elements.posting(element.textValue());
                    if (!into.contains(posting)) {
                        into.add(posting);
                    }
                }
            }
        }
        for (Posting posting : into) {
            posting.add(ordinal);
        }
        return into;
    }

    /** The chunks whose value compares with {@code value} as {@code op} asks (a new bitmap). */
    RoaringBitmap compare(final Comparison op, final JsonNode value) {
        if (value.isNumber()) {
            return numbers.range(op, value.decimalValue());
        }
        if (value.isTextual()) {
            return strings.range(op, value.textValue());
        }
        if (op != Comparison.EQ) {
            return new RoaringBitmap(); // booleans and null compare only for equality
        }
        if (value.isBoolean()) {
            return copy(booleans.postings.get(value.booleanValue()));
        }
        return value.isNull() ? copy(nulls) : new RoaringBitmap();
    }

    /** The chunks whose value is an RFC 3339 time that compares with {@code value} as {@code op} asks. */
    RoaringBitmap compareInstant(final Comparison op, final Instant value) {
        return instants.range(op, value);
    }

    /** The chunks that have the field, whatever its value. */
    RoaringBitmap present() {
        return present.chunks.clone();
    }

    /** The chunks whose string value contains {@code part}, or whose list value has it as an element. */
    RoaringBitmap contains(final String part) {
        List<RoaringBitmap> found = new ArrayList<>();
        for (Map.Entry<String, Posting> entry : strings.values().entrySet()) {
            if (entry.getKey().contains(part)) {
                found.add(entry.getValue().chunks);
            }
        }
        Posting element = elements.postings.get(part);
        if (element != null) {
            found.add(element.chunks);
        }
        return union(found);
    }

    /** The union of bitmaps, as a new one. */
    static RoaringBitmap union(final List<RoaringBitmap> bitmaps) {
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
