package io.vectorstream.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vectorstream.index.OrdinalBatches;
import io.vectorstream.record.ChunkRecord;
import io.vectorstream.schema.Json;
import io.vectorstream.schema.filter.Filter;
import io.vectorstream.schema.filter.FilterParser;
import io.vectorstream.schema.filter.FilterTarget;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.roaringbitmap.BatchIterator;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * The metadata of one library shard's chunks indexed by field, so that a filter is answered as a
 * set of chunks, and its size known, without reading a single record: each chunk has an ordinal,
 * each metadata field ({@code name}, and {@code document.name} for its document's) its
 * {@link FieldValues}, and a filter is evaluated bottom-up into a {@link RoaringBitmap} of
 * ordinals ({@code $and} intersects, {@code $or} unites, {@code $not} subtracts from every chunk).
 * The built-ins {@code id}, {@code documentId}, {@code createdAt} and {@code updatedAt} are
 * columns, tested chunk by chunk with the filter's own comparison.
 *
 * <p>One writer (the shard's stream thread) and any number of readers: changes and evaluations
 * take a read-write lock, and an evaluation's bitmap is the reader's own. A chunk's ordinal is
 * reused after it is deleted, so a reader that resolves ordinals later may meet another chunk:
 * results are checked against their records ({@link ChunkFilter}).
 */
public final class FieldIndex {

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Read without the lock by a search's allow-predicate. */
    private final Map<ChunkRef, Integer> ordinals = new ConcurrentHashMap<>();
    private final RoaringBitmap live = new RoaringBitmap();
    private final Map<String, FieldValues> fields = new HashMap<>();
    /** A document's metadata, for the chunks of it that come later (a restore writes in any order). */
    private final Map<String, JsonNode> documents = new HashMap<>();
    private ChunkRef[] refs = new ChunkRef[16];
    private long[] createdAt = new long[16];
    private long[] updatedAt = new long[16];
    /** By ordinal: the postings of the chunk's own metadata, and of its document's. */
    private List<FieldValues.Posting>[] chunkPostings = newPostings(16);
    private List<FieldValues.Posting>[] documentPostings = newPostings(16);
    private int[] free = new int[16];
    private int freeCount;
    private int highWater;
    /** Values per block of a field's sorted values ({@link SortedPostings}). */
    private final int blockSize;

    public FieldIndex() {
        this(64);
    }

    /** With sorted values in blocks of {@code blockSize} (tests make many blocks of few values). */
    FieldIndex(final int blockSize) {
        this.blockSize = blockSize;
    }

    /**
     * Indexes a chunk that was written (new, or replacing its previous record).
     *
     * @return the chunk's reference with its ordinal, to index its vector under
     */
    public ChunkRef putChunk(final ChunkRecord chunk) {
        lock.writeLock().lock();
        try {
            Integer existing = ordinals.get(new ChunkRef(chunk.documentId(), chunk.id()));
            int ordinal = existing != null ? existing : allocate();
            if (existing != null) {
                unindex(chunkPostings, ordinal);
                unindex(documentPostings, ordinal);
            }
            ChunkRef ref = new ChunkRef(chunk.documentId(), chunk.id(), ordinal);
            refs[ordinal] = ref;
            createdAt[ordinal] = chunk.createdAt();
            updatedAt[ordinal] = chunk.updatedAt();
            chunkPostings[ordinal] = index(ordinal, "", metadata(chunk.metadataJson()));
            documentPostings[ordinal] = index(ordinal, FilterParser.DOCUMENT_PREFIX,
                    documents.getOrDefault(chunk.documentId(), MissingNode.getInstance()));
            live.add(ordinal);
            ordinals.put(ref, ordinal);
            return ref;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The reference of an indexed chunk with its ordinal (without one when the chunk is not indexed). */
    public ChunkRef refOf(final String documentId, final String chunkId) {
        ChunkRef ref = new ChunkRef(documentId, chunkId);
        Integer ordinal = ordinals.get(ref);
        return ordinal == null ? ref : new ChunkRef(documentId, chunkId, ordinal);
    }

    /** The ordinals of a bitmap, in batches, as the vector index takes them ({@link OrdinalBatches}). */
    public static OrdinalBatches ordinalsOf(final RoaringBitmap matches) {
        BatchIterator batches = matches.getBatchIterator();
        return buffer -> batches.hasNext() ? batches.nextBatch(buffer) : 0;
    }

    public void removeChunk(final ChunkRef ref) {
        lock.writeLock().lock();
        try {
            Integer ordinal = ordinals.remove(ref);
            if (ordinal == null) {
                return;
            }
            unindex(chunkPostings, ordinal);
            unindex(documentPostings, ordinal);
            refs[ordinal] = null;
            live.remove(ordinal);
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, freeCount * 2);
            }
            free[freeCount++] = ordinal;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Takes a document's metadata (written, or null: deleted) for the document fields of its
     * chunks, those listed in {@code chunkIds} and those written later.
     */
    public void putDocument(final String documentId, final String metadataJson, final Iterable<String> chunkIds) {
        lock.writeLock().lock();
        try {
            JsonNode metadata = metadata(metadataJson);
            if (metadataJson == null) {
                documents.remove(documentId);
            } else {
                documents.put(documentId, metadata);
            }
            for (String chunkId : chunkIds) {
                Integer ordinal = ordinals.get(new ChunkRef(documentId, chunkId));
                if (ordinal != null) {
                    unindex(documentPostings, ordinal);
                    documentPostings[ordinal] = index(ordinal, FilterParser.DOCUMENT_PREFIX, metadata);
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The ordinals of the chunks that match (a new bitmap: the caller's). */
    public RoaringBitmap matches(final Filter filter) {
        lock.readLock().lock();
        try {
            return evaluate(filter);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** How many chunks are indexed. */
    public int size() {
        lock.readLock().lock();
        try {
            return live.getCardinality();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The chunks of these ordinals, as they are now (one that is gone is left out). */
    public List<ChunkRef> chunksOf(final RoaringBitmap matches) {
        List<ChunkRef> out = new ArrayList<>(matches.getCardinality());
        lock.readLock().lock();
        try {
            for (PeekableIntIterator it = matches.getIntIterator(); it.hasNext();) {
                int ordinal = it.next();
                ChunkRef ref = ordinal < highWater ? refs[ordinal] : null;
                if (ref != null) {
                    out.add(ref);
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        return out;
    }

    /** Whether the chunk is among {@code matches} (ordinals from {@link #matches}); no lock taken. */
    public boolean isAmong(final ChunkRef ref, final RoaringBitmap matches) {
        if (ref.ordinal() >= 0) {
            return matches.contains(ref.ordinal()); // the vector index's keys carry it
        }
        Integer ordinal = ordinals.get(ref);
        return ordinal != null && matches.contains(ordinal);
    }

    private RoaringBitmap evaluate(final Filter filter) {
        return switch (filter) {
            case Filter.And and -> {
                if (and.all().isEmpty()) {
                    yield live.clone();
                }
                RoaringBitmap out = null;
                for (Filter part : and.all()) {
                    RoaringBitmap next = evaluate(part);
                    if (out == null) {
                        out = next;
                    } else {
                        out.and(next);
                    }
                    if (out.isEmpty()) {
                        break;
                    }
                }
                yield out;
            }
            case Filter.Or or -> {
                RoaringBitmap out = new RoaringBitmap();
                for (Filter part : or.any()) {
                    out.or(evaluate(part));
                }
                yield out;
            }
            case Filter.Not not -> RoaringBitmap.andNot(live, evaluate(not.negated()));
            case Filter.CompareInstant c -> valuesOf(c.field(), values -> values.compareInstant(c.op(), c.value()));
            case Filter.Compare c when !isBuiltIn(c.field()) -> valuesOf(c.field(), values -> values.compare(c.op(), c.value()));
            case Filter.In in when !isBuiltIn(in.field()) -> valuesOf(in.field(), values -> {
                RoaringBitmap out = new RoaringBitmap();
                in.values().forEach(value -> out.or(values.compare(Filter.Comparison.EQ, value)));
                return out;
            });
            case Filter.Exists e when !isBuiltIn(e.field()) -> valuesOf(e.field(), FieldValues::present);
            case Filter.Contains c when !isBuiltIn(c.field()) -> valuesOf(c.field(), values -> values.contains(c.part()));
            default -> scan(filter); // a built-in field: a column, tested chunk by chunk
        };
    }

    private RoaringBitmap valuesOf(final String field, final Function<FieldValues, RoaringBitmap> ask) {
        FieldValues values = fields.get(field);
        return values == null ? new RoaringBitmap() : ask.apply(values);
    }

    private static boolean isBuiltIn(final String field) {
        return FilterParser.TEXT_BUILT_INS.contains(field);
    }

    /** The chunks a leaf on built-in fields accepts, each tested through the filter's own comparison. */
    private RoaringBitmap scan(final Filter leaf) {
        RoaringBitmap out = new RoaringBitmap();
        BuiltIns target = new BuiltIns();
        for (PeekableIntIterator it = live.getIntIterator(); it.hasNext();) {
            target.ordinal = it.next();
            if (leaf.test(target)) {
                out.add(target.ordinal);
            }
        }
        return out;
    }

    /** A chunk's built-in fields, from the columns (nothing else is asked of it: see {@link #evaluate}). */
    private final class BuiltIns implements FilterTarget {
        private int ordinal;

        @Override
        public JsonNode field(final String name) {
            return switch (name) {
                case "id" -> TextNode.valueOf(refs[ordinal].chunkId());
                case "documentId" -> TextNode.valueOf(refs[ordinal].documentId());
                default -> MissingNode.getInstance();
            };
        }

        @Override
        public Instant time(final String name) {
            return switch (name) {
                case "createdAt" -> Instant.ofEpochMilli(createdAt[ordinal]);
                case "updatedAt" -> Instant.ofEpochMilli(updatedAt[ordinal]);
                default -> null;
            };
        }
    }

    /**
     * Adds the chunk to the postings of each top-level field of {@code metadata}, under
     * {@code prefix + name}. A chunk's own field that a built-in or a document field shadows (the
     * filter never reads it) is left out.
     */
    private List<FieldValues.Posting> index(final int ordinal, final String prefix, final JsonNode metadata) {
        if (!metadata.isObject() || metadata.isEmpty()) {
            return List.of();
        }
        List<FieldValues.Posting> postings = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = prefix + field.getKey();
            if (prefix.isEmpty() && (isBuiltIn(name) || name.startsWith(FilterParser.DOCUMENT_PREFIX))) {
                continue;
            }
            postings.addAll(fields.computeIfAbsent(name, n -> new FieldValues(blockSize)).add(ordinal, field.getValue()));
        }
        return postings;
    }

    private void unindex(final List<FieldValues.Posting>[] byOrdinal, final int ordinal) {
        List<FieldValues.Posting> postings = byOrdinal[ordinal];
        if (postings != null) {
            postings.forEach(posting -> posting.remove(ordinal));
            byOrdinal[ordinal] = null;
        }
    }

    private static JsonNode metadata(final String json) {
        // Most chunks carry none: no parse for them (every chunk is indexed on each open).
        return json == null || json.isEmpty() || json.equals("{}") ? MissingNode.getInstance() : Json.tree(json);
    }

    private int allocate() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        int ordinal = highWater++;
        if (ordinal == refs.length) {
            int grown = refs.length * 2;
            refs = Arrays.copyOf(refs, grown);
            createdAt = Arrays.copyOf(createdAt, grown);
            updatedAt = Arrays.copyOf(updatedAt, grown);
            chunkPostings = Arrays.copyOf(chunkPostings, grown);
            documentPostings = Arrays.copyOf(documentPostings, grown);
        }
        return ordinal;
    }

    @SuppressWarnings("unchecked")
    private static List<FieldValues.Posting>[] newPostings(final int length) {
        return (List<FieldValues.Posting>[]) new List<?>[length];
    }
}
