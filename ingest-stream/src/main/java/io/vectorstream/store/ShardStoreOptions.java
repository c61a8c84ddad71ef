package io.vectorstream.store;

/**
 * Sizing of a shard's Chronicle Map. Chronicle Map is sized up front; the file is sparse, so
 * unused capacity costs address space, not disk. {@code maxBloatFactor} lets a shard grow past
 * {@code expectedEntries} (more slowly) instead of failing.
 *
 * @param expectedEntries    records a shard is expected to hold
 * @param averageValueBytes  average encoded record size (a 384-dimension chunk with short text is about 2 KB)
 * @param maxBloatFactor     how far past {@code expectedEntries} the map may grow
 */
public record ShardStoreOptions(long expectedEntries, int averageValueBytes, double maxBloatFactor) {

    /** Sized for about a quarter of a million 384-dimension chunks per shard, growing to ten times that. */
    public static final ShardStoreOptions DEFAULT = new ShardStoreOptions(250_000, 2_048, 10.0);

    /** Small maps for tests. */
    public static final ShardStoreOptions SMALL = new ShardStoreOptions(20_000, 1_024, 20.0);
}
