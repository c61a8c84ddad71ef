package io.vectorstream.store;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the indexes a shard's open left untrained, one per call, on the writer thread between
 * records, once {@link ShardStoreOptions#trainingDelay} has passed since the open. Writer thread only.
 */
final class DeferredTraining {

    /** Its lines are the shard store's. */
    private static final Logger LOG = LoggerFactory.getLogger(ChronicleShardStore.class);

    private final OpenShard shard;
    /**
     * Whether the view was built from the file and may hold indexes still to train: the open
     * leaves their training to the writer thread ({@link ChronicleShardStore#putAll}), so that the shard answers
     * (exactly) first.
     */
    private boolean trainingMayBeDue;
    /**
     * Not before this ({@link System#nanoTime}): a restart's first seconds go to opening the other
     * shards and to the rebalance, on the same cores and stream threads (training an index of 22k
     * vectors takes 2-3 s of CPU); searches are exact meanwhile. A write to such an index trains
     * it at once anyway ({@link io.vectorstream.index.IvfIndex#put}).
     */
    private final long trainingNotBefore;

    /** For {@code shard}, just opened: its indexes train no earlier than {@code delay} from now. */
    DeferredTraining(final OpenShard shard, final Duration delay) {
        this.shard = shard;
        this.trainingMayBeDue = !shard.offsetsOnly;
        this.trainingNotBefore = System.nanoTime() + delay.toNanos();
    }

    /** After the writes of one input record: installs a training that finished, or trains one index that is due. */
    void afterRecord() {
        if (shard.contents.takeTrainingStarted()) {
            trainingMayBeDue = true; // installed by a later call, once it is done (trainDueIndexes)
        }
        trainDueIndexes();
    }

    /**
     * Trains one index the open left untrained, on the writer thread between records (after the
     * record's writes are applied and marked). A failure leaves that index searching exactly; it
     * must not fail the record, whose writes are in.
     */
    private void trainDueIndexes() {
        if (!trainingMayBeDue || System.nanoTime() - trainingNotBefore < 0) {
            return;
        }
        try {
            trainingMayBeDue = shard.contents.trainOneDue();
        } catch (RuntimeException e) {
            trainingMayBeDue = false;
            LOG.warn("shard store {}: training an index after the open failed; it searches exactly until its next "
                    + "rebuild", shard.name, e);
        }
    }
}
