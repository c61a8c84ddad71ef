package io.vectorstream.embed;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vectors a model has computed, on local disk (a Chronicle Map file), keyed by SHA-256 of the
 * model id and the text: a replay of the event log finds the vectors of every text it has seen
 * and does not run the model again.
 *
 * <p>Size-bounded: the map holds at most {@code capacity} vectors; once full, each new vector
 * takes the place of one already there ({@link #evictions()} counts them). Chronicle Map keeps no
 * order of use, so the one evicted is the first entry of the segment the new key goes to: an
 * entry's place follows its key's hash, so this is as good as a random choice, and no segment
 * fills while others have room.
 * (Refusing new vectors instead, as an earlier version did, kept a cache that filled once useless
 * for every text after.) Entries are never stale: a key names the
 * model and the text, and the file the checksum of the model's weights. Safe for concurrent use;
 * one cache file per model and data directory.
 */
public final class EmbeddingCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingCache.class);

    private final ChronicleMap<byte[], byte[]> map;
    private final String modelId;
    private final long capacity;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();

    private EmbeddingCache(final ChronicleMap<byte[], byte[]> map, final String modelId, final long capacity) {
        this.map = map;
        this.modelId = modelId;
        this.capacity = capacity;
    }

    /**
     * Opens (or creates) the cache file of a model in {@code dir}. The file is named after the
     * model id and the checksum of its weights, so a model rebuilt from other weights under the
     * same id starts a new cache rather than reading the old one's vectors.
     */
    public static EmbeddingCache open(final Path dir, final ModelManifest manifest, final long capacity)
            throws IOException {
        Files.createDirectories(dir);
        String modelId = manifest.modelId();
        int dimension = manifest.dimension();
        File file = dir.resolve(modelId + "-" + manifest.sourceSha256().substring(0, 12) + ".cache").toFile();
        ChronicleMapBuilder<byte[], byte[]> builder = ChronicleMapBuilder.of(byte[].class, byte[].class)
                .name("embedding-cache-" + modelId)
                .entries(capacity)
                .constantKeySizeBySample(new byte[32])
                .constantValueSizeBySample(new byte[dimension * Float.BYTES]);
        ChronicleMap<byte[], byte[]> map;
        try {
            map = builder.createPersistedTo(file);
        } catch (IOException | RuntimeException e) {
            // Left by a crash mid-write, or made with other settings. It is only a cache: start afresh.
            LOG.warn("embedding cache {} did not open ({}); starting an empty one", file, e.toString());
            Files.deleteIfExists(file.toPath());
            map = builder.createPersistedTo(file);
        }
        return new EmbeddingCache(map, modelId, capacity);
    }

    /** The cached vector of {@code text}, or {@code null}. */
    public float[] get(final String text) {
        byte[] bytes = map.get(key(text));
        if (bytes == null) {
            misses.incrementAndGet();
            return null;
        }
        hits.incrementAndGet();
        float[] vector = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
        return vector;
    }

    /**
     * Remembers the vector of {@code text}; when the cache is full, in the place of another of the
     * segment the new one goes to (so that no segment fills while others have room).
     */
    public void put(final String text, final float[] vector) {
        byte[] key = key(text);
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        if (map.longSize() >= capacity) {
            evictFromSegmentOf(key);
        }
        try {
            map.put(key, bytes.array());
        } catch (IllegalStateException segmentFull) {
            // Keys hash unevenly: a segment may fill before the map does. Make room there, once.
            evictFromSegmentOf(key);
            map.put(key, bytes.array());
        }
    }

    private void evictFromSegmentOf(final byte[] key) {
        int segment;
        try (var query = map.queryContext(key)) {
            segment = query.segmentIndex();
        }
        if (evictOne(segment)) {
            evictions.incrementAndGet();
        }
    }

    private byte[] key(final String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(modelId.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            return digest.digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    /** Vectors removed to make room for newer ones. */
    public long evictions() {
        return evictions.get();
    }

    /** Removes one entry of {@code segment}; false when it holds none. */
    private boolean evictOne(final int segment) {
        try (var context = map.segmentContext(segment)) {
            boolean[] removed = {false};
            context.forEachSegmentEntryWhile(entry -> {
                entry.doRemove();
                removed[0] = true;
                return false;
            });
            return removed[0];
        }
    }

    public long size() {
        return map.longSize();
    }

    public long capacity() {
        return capacity;
    }

    @Override
    public void close() {
        map.close();
    }
}
