package io.vectorstream.store;

/**
 * Sizing of a shard's Chronicle Map. Chronicle Map is sized up front, and it zeroes what it
 * allocates: the capacity of {@code expectedEntries} costs real disk from the start (a quarter of a
 * million 2 KB records took 587 MB per shard). So the start is small and {@code maxBloatFactor}
 * lets a shard grow past it, tier by tier, instead of failing.
 *
 * @param expectedEntries    records a shard is expected to hold
 * @param averageValueBytes  average encoded record size (a 384-dimension chunk with short text is about 2 KB)
 * @param maxBloatFactor     how far past {@code expectedEntries} the map may grow
 */
public record ShardStoreOptions(long expectedEntries, int averageValueBytes, double maxBloatFactor) {

    /** Starts at about 100 MB per shard (50,000 384-dimension chunks) and grows to 50 times that. */
    public static final ShardStoreOptions DEFAULT = new ShardStoreOptions(50_000, 2_048, 50.0);

    /** Small maps for tests. */
    public static final ShardStoreOptions SMALL = new ShardStoreOptions(20_000, 1_024, 20.0);
}
