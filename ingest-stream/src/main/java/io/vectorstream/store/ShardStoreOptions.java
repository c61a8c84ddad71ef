package io.vectorstream.store;

import io.vectorstream.index.BackgroundTraining;
import java.time.Duration;

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
 * @param trainingDelay      how long after a shard opens the writer waits before training the
 *                           indexes the open left untrained ({@link DeferredTraining}); searches are
 *                           exact meanwhile
 */
public record ShardStoreOptions(long expectedEntries, int averageValueBytes, double maxBloatFactor,
                                boolean trainInBackground, Duration trainingDelay) {

    /** The {@link #trainingDelay} unless chosen: see {@link DeferredTraining} for why a reopened shard waits. */
    public static final Duration TRAINING_DELAY = Duration.ofSeconds(10);

    /**
     * Starts at about 100 MB per shard (50,000 384-dimension chunks) and grows to 50 times that;
     * trains beside the stream threads.
     */
    public static final ShardStoreOptions DEFAULT = new ShardStoreOptions(50_000, 2_048, 50.0, true);

    /** Small maps for tests, which train on the stream thread: an index is trained once a write returns. */
    public static final ShardStoreOptions SMALL = new ShardStoreOptions(20_000, 1_024, 20.0, false);

    /** These options with the {@link #TRAINING_DELAY}. */
    public ShardStoreOptions(final long expectedEntries, final int averageValueBytes, final double maxBloatFactor,
                             final boolean trainInBackground) {
        this(expectedEntries, averageValueBytes, maxBloatFactor, trainInBackground, TRAINING_DELAY);
    }

    /** These options with trainings beside the stream thread or not. */
    public ShardStoreOptions trainingInBackground(final boolean background) {
        return new ShardStoreOptions(expectedEntries, averageValueBytes, maxBloatFactor, background, trainingDelay);
    }

    /** These options with another {@link #trainingDelay} (tests: none, to see a reopened shard train at once). */
    public ShardStoreOptions withTrainingDelay(final Duration delay) {
        return new ShardStoreOptions(expectedEntries, averageValueBytes, maxBloatFactor, trainInBackground, delay);
    }

    /** Where the indexes' own trainings run: {@code null} for the thread that writes them. */
    BackgroundTraining background() {
        return trainInBackground ? BackgroundTraining.SHARED : null;
    }
}
