package io.vectorstream.stream;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the store partitions being restored from their changelogs. Kafka Streams may report
 * RUNNING while a state updater still restores in the background, so readiness asks this too.
 */
final class RestoreTracker implements StateRestoreListener {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreTracker.class);
    private final Set<TopicPartition> restoring = ConcurrentHashMap.newKeySet();
    private final Map<String, LongAdder> restoredByStore =
            new ConcurrentHashMap<>();

    int restoring() {
        return restoring.size();
    }

    /** Records restored from changelogs into the stores of this name since start. */
    long restoredRecords(final String storeName) {
        LongAdder restored = restoredByStore.get(storeName);
        return restored == null ? 0 : restored.sum();
    }

    @Override
    public void onRestoreStart(final TopicPartition partition, final String storeName, final long startingOffset,
                               final long endingOffset) {
        restoring.add(partition);
        LOG.debug("restoring {} from {} (offsets {} to {})", storeName, partition, startingOffset, endingOffset);
    }

    @Override
    public void onBatchRestored(final TopicPartition partition, final String storeName, final long batchEndOffset,
                                final long numRestored) {
        restoredByStore.computeIfAbsent(storeName, name -> new LongAdder()).add(numRestored);
    }

    @Override
    public void onRestoreEnd(final TopicPartition partition, final String storeName, final long totalRestored) {
        restoring.remove(partition);
        LOG.debug("restored {} from {}: {} records", storeName, partition, totalRestored);
    }

    @Override
    public void onRestoreSuspended(final TopicPartition partition, final String storeName, final long totalRestored) {
        restoring.remove(partition);
    }
}
