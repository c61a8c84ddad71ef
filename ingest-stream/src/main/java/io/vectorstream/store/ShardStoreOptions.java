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
 * @param trainInBackground  whether IVF indexes train beside the stream thread
 *                           ({@link io.vectorstream.index.BackgroundTraining}), installed by its
 *                           next call once done, or on it, before it goes on
 */
public record ShardStoreOptions(long expectedEntries, int averageValueBytes, double maxBloatFactor,
                                boolean trainInBackground) {

    /**
     * Starts at about 100 MB per shard (50,000 384-dimension chunks) and grows to 50 times that;
     * trains beside the stream threads.
     */
    public static final ShardStoreOptions DEFAULT = new ShardStoreOptions(50_000, 2_048, 50.0, true);

    /** Small maps for tests, which train on the stream thread: an index is trained once a write returns. */
    public static final ShardStoreOptions SMALL = new ShardStoreOptions(20_000, 1_024, 20.0, false);

    /** These options with trainings beside the stream thread or not. */
    public ShardStoreOptions trainingInBackground(final boolean background) {
        return new ShardStoreOptions(expectedEntries, averageValueBytes, maxBloatFactor, background);
    }

    /** Where the indexes' own trainings run: {@code null} for the thread that writes them. */
    io.vectorstream.index.BackgroundTraining background() {
        return trainInBackground ? io.vectorstream.index.BackgroundTraining.SHARED : null;
    }
}
