package io.vectorstream.store;

import io.vectorstream.record.RecordKey;
import io.vectorstream.record.RecordKey.DocumentKey;
import io.vectorstream.record.RecordKey.LibraryKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Predicate;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Answers a shard's range and prefix scans. Chronicle Map is a hash map with no order, so a scan
 * is served from a snapshot sorted by key; the scans this project makes (cascading deletes) are
 * prefix scans, answered from the view's ordered ids.
 */
final class ShardScans {

    private ShardScans() {
    }

    /** Keys from {@code from} to {@code to} (both included; null: unbounded), in key order or reversed. */
    static KeyValueIterator<Bytes, byte[]> range(final OpenShard shard, final Bytes from, final Bytes to,
                                                 final boolean reverse) {
        return snapshot(shard,
                key -> (from == null || key.compareTo(from) >= 0) && (to == null || key.compareTo(to) <= 0), reverse);
    }

    /** Every key, in key order or reversed. */
    static KeyValueIterator<Bytes, byte[]> all(final OpenShard shard, final boolean reverse) {
        return snapshot(shard, key -> true, reverse);
    }

    /**
     * Keys starting with {@code prefix}. A prefix naming a library's documents or chunks, or a
     * document's chunks ({@link RecordKey#documentsOf}, {@link RecordKey#chunksOf}), is answered
     * from the ordered ids without touching the other records; any other prefix scans the map.
     */
    static KeyValueIterator<Bytes, byte[]> prefix(final OpenShard shard, final byte[] bytes) {
        List<? extends RecordKey> keys = keysForPrefix(shard, bytes);
        if (keys == null) {
            Bytes p = Bytes.wrap(bytes);
            return snapshot(shard, key -> startsWith(key.get(), p.get()), false);
        }
        List<KeyValue<Bytes, byte[]>> entries = new ArrayList<>(keys.size());
        for (RecordKey key : keys) {
            byte[] k = key.encode();
            byte[] value = shard.map.get(k);
            if (value != null) {
                entries.add(KeyValue.pair(Bytes.wrap(k), value));
            }
        }
        return new ListIterator(entries);
    }

    private static List<? extends RecordKey> keysForPrefix(final OpenShard shard, final byte[] prefix) {
        shard.requireView();
        if (prefix.length == 0) {
            return null;
        }
        // A prefix of one id (or two) is a library key (or document key) with another tag byte.
        RecordKey asLibrary = decodeWithTag(prefix, RecordKey.LIBRARY);
        RecordKey asDocument = decodeWithTag(prefix, RecordKey.DOCUMENT);
        if (prefix[0] == RecordKey.DOCUMENT && asLibrary instanceof LibraryKey lib) {
            return shard.contents.documentKeys(lib.libraryId());
        }
        if (prefix[0] == RecordKey.CHUNK && asLibrary instanceof LibraryKey lib) {
            return shard.contents.chunkKeys(lib.libraryId(), null);
        }
        if (prefix[0] == RecordKey.CHUNK && asDocument instanceof DocumentKey doc) {
            return shard.contents.chunkKeys(doc.libraryId(), doc.documentId());
        }
        return null;
    }

    private static RecordKey decodeWithTag(final byte[] prefix, final byte tag) {
        byte[] copy = prefix.clone();
        copy[0] = tag;
        try {
            return RecordKey.decode(copy);
        } catch (IllegalArgumentException notThatShape) {
            return null;
        }
    }

    private static boolean startsWith(final byte[] key, final byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static KeyValueIterator<Bytes, byte[]> snapshot(final OpenShard shard, final Predicate<Bytes> include,
                                                            final boolean reverse) {
        List<KeyValue<Bytes, byte[]>> entries = new ArrayList<>();
        shard.map.forEach((k, v) -> {
            Bytes key = Bytes.wrap(k);
            if (include.test(key)) {
                entries.add(KeyValue.pair(Bytes.wrap(k.clone()), v.clone())); // forEach reuses arrays
            }
        });
        Comparator<KeyValue<Bytes, byte[]>> byKey = Comparator.comparing(kv -> kv.key);
        entries.sort(reverse ? byKey.reversed() : byKey);
        return new ListIterator(entries);
    }

    /** A {@link KeyValueIterator} over a materialised list. */
    private static final class ListIterator implements KeyValueIterator<Bytes, byte[]> {
        private final Iterator<KeyValue<Bytes, byte[]>> it;
        private final List<KeyValue<Bytes, byte[]>> entries;
        private int next;

        ListIterator(final List<KeyValue<Bytes, byte[]>> entries) {
            this.entries = entries;
            this.it = entries.iterator();
        }

        @Override
        public boolean hasNext() {
            return it.hasNext();
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            next++;
            return it.next();
        }

        @Override
        public Bytes peekNextKey() {
            if (next >= entries.size()) {
                throw new NoSuchElementException();
            }
            return entries.get(next).key;
        }

        @Override
        public void close() {
        }
    }
}
