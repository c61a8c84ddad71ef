package io.vectorstream.store;

import io.vectorstream.schema.filter.Filter.Comparison;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.roaringbitmap.RoaringBitmap;

/**
 * The values of one type that a field has (numbers, strings or instants), sorted, each with its
 * chunks; and, per run of consecutive values (a block of about {@code blockSize} to twice as many),
 * the union of their chunks. A range is the union of the blocks inside it and of the values of the
 * one or two blocks it cuts: a range over 5,000 distinct values unites about a hundred bitmaps
 * instead of 5,000. A chunk has one value of a field, so a block's union stays exact when a chunk
 * leaves a value: it leaves the block too. Guarded by the {@link FieldIndex}'s lock.
 */
final class SortedPostings<V extends Comparable<V>> implements FieldValues.Owner {

    /** The chunks of the values in {@code [key, next block's key)}. */
    private static final class Block {
        final RoaringBitmap chunks = new RoaringBitmap();
        int values;
    }

    private final NavigableMap<V, FieldValues.Posting> values = new TreeMap<>();
    /** By the lowest value each may hold; the first holds every value below the second's key. */
    private final NavigableMap<V, Block> blocks = new TreeMap<>();
    private final int blockSize;

    SortedPostings(final int blockSize) {
        this.blockSize = blockSize;
    }

    /** The posting of {@code value}, made (and counted in its block) when new. */
    FieldValues.Posting posting(final V value) {
        FieldValues.Posting posting = values.get(value);
        if (posting == null) {
            posting = new FieldValues.Posting(this, value);
            values.put(value, posting);
            Map.Entry<V, Block> block = blockOf(value);
            block.getValue().values++;
            if (block.getValue().values > 2 * blockSize) {
                split(block.getKey());
            }
        }
        return posting;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void added(final FieldValues.Posting posting, final int ordinal) {
        blocks.floorEntry((V) posting.value()).getValue().chunks.add(ordinal);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void removed(final FieldValues.Posting posting, final int ordinal) {
        V value = (V) posting.value();
        Map.Entry<V, Block> block = blocks.floorEntry(value);
        block.getValue().chunks.remove(ordinal);
        if (posting.isEmpty()) {
            values.remove(value);
            if (--block.getValue().values == 0) {
                blocks.remove(block.getKey());
            }
        }
    }

    /** Every value with its chunks, in order (for walks over all of them, such as a substring). */
    NavigableMap<V, FieldValues.Posting> values() {
        return values;
    }

    /** The chunks whose value compares with {@code value} as {@code op} asks (a new bitmap). */
    RoaringBitmap range(final Comparison op, final V value) {
        return switch (op) {
            case EQ -> {
                FieldValues.Posting one = values.get(value);
                yield one == null ? new RoaringBitmap() : one.chunks().clone();
            }
            case GT -> range(value, false, null, false);
            case GTE -> range(value, true, null, false);
            case LT -> range(null, false, value, false);
            case LTE -> range(null, false, value, true);
        };
    }

    /** The chunks of the values between {@code from} and {@code to} (null: unbounded). */
    private RoaringBitmap range(final V from, final boolean fromIncluded, final V to, final boolean toIncluded) {
        List<RoaringBitmap> parts = new ArrayList<>();
        V start = from == null ? null : blocks.floorKey(from);
        NavigableMap<V, Block> candidates = start == null ? blocks : blocks.tailMap(start, true);
        for (Map.Entry<V, Block> block : candidates.entrySet()) {
            V low = block.getKey();
            V high = blocks.higherKey(low); // exclusive; null for the last block
            if (to != null && (toIncluded ? low.compareTo(to) > 0 : low.compareTo(to) >= 0)) {
                break; // this block and the ones after start past the range
            }
            boolean lowInside = from == null || (fromIncluded ? low.compareTo(from) >= 0 : low.compareTo(from) > 0);
            boolean highInside = to == null || high != null && high.compareTo(to) <= 0;
            if (lowInside && highInside) {
                parts.add(block.getValue().chunks);
                continue;
            }
            // A block the range cuts: its values inside the range, one by one.
            boolean lowFirst = from == null || low.compareTo(from) > 0;
            NavigableMap<V, FieldValues.Posting> inBlock = high == null ? values.tailMap(low, true)
                    : values.subMap(low, true, high, false);
            NavigableMap<V, FieldValues.Posting> cut = lowFirst ? inBlock : inBlock.tailMap(from, fromIncluded);
            if (to != null) {
                cut = cut.headMap(to, toIncluded);
            }
            cut.values().forEach(posting -> parts.add(posting.chunks()));
        }
        return FieldValues.union(parts);
    }

    /** The entry of the block {@code value} belongs to; the first block takes a value below every key. */
    private Map.Entry<V, Block> blockOf(final V value) {
        Map.Entry<V, Block> block = blocks.floorEntry(value);
        if (block != null) {
            return block;
        }
        Map.Entry<V, Block> first = blocks.pollFirstEntry();
        Block lowest = first == null ? new Block() : first.getValue();
        blocks.put(value, lowest); // keyed by its new lowest value
        return blocks.firstEntry();
    }

    /** Splits the block at {@code key} in two at its middle value, each with the union of its values' chunks. */
    private void split(final V key) {
        V high = blocks.higherKey(key);
        NavigableMap<V, FieldValues.Posting> inBlock = high == null ? values.tailMap(key, true)
                : values.subMap(key, true, high, false);
        List<V> ordered = new ArrayList<>(inBlock.keySet());
        V middle = ordered.get(ordered.size() / 2);
        Block lower = new Block();
        Block upper = new Block();
        for (Map.Entry<V, FieldValues.Posting> value : inBlock.entrySet()) {
            Block into = value.getKey().compareTo(middle) < 0 ? lower : upper;
            into.chunks.or(value.getValue().chunks());
            into.values++;
        }
        blocks.put(key, lower);
        blocks.put(middle, upper);
    }
}
