package io.vectorstream.store;

import io.vectorstream.record.LibraryRecord;
import io.vectorstream.record.RecordCodec;
import io.vectorstream.record.RecordKey;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the changelog records Kafka Streams restores a shard store from, through the store's
 * own writes ({@link ShardWrites}), so that the derived view is exact after a restore too; a
 * record the store cannot take is skipped and counted ({@link #skipped}).
 */
final class ChangelogRestore implements StateRestoreCallback {

    /** Its lines are the shard store's. */
    private static final Logger LOG = LoggerFactory.getLogger(ChronicleShardStore.class);

    /** Changelog records skipped while restoring, in this process ({@link #restore}). */
    private static final AtomicLong SKIPPED_ON_RESTORE = new AtomicLong();

    private final String name;
    private final ShardWrites writes;

    ChangelogRestore(final String name, final ShardWrites writes) {
        this.name = name;
        this.writes = writes;
    }

    /** Changelog records any shard store of this process skipped while restoring because they could not be read. */
    static long skipped() {
        return SKIPPED_ON_RESTORE.get();
    }

    /**
     * Applies one changelog record while restoring. A record this store cannot take (damaged, or
     * forged: the changelog is a topic anyone with access can write) is skipped, with an error
     * logged and counted ({@link #skipped}): Kafka Streams fails every restoring task on
     * an exception here, and would meet the same record at every restart.
     */
    @Override
    public void restore(final byte[] key, final byte[] value) {
        try {
            RecordKey recordKey = RecordKey.decode(key);
            if (value != null) {
                requireRestorable(recordKey, value);
            }
        } catch (RuntimeException unreadable) {
            // Nothing was written: the key keeps what it held.
            SKIPPED_ON_RESTORE.incrementAndGet();
            LOG.error("shard store {}: a changelog record cannot be restored and is skipped ({})", name,
                    unreadable.toString());
            return;
        }
        // Failures from here on are the store's or the machine's (a full map, a full disk): they
        // fail the restore, which Kafka Streams retries, rather than lose a record.
        if (value == null) {
            writes.remove(key);
        } else {
            writes.write(key, value);
        }
    }

    /**
     * Reads a record as the store and its view will, so that one they could not take is refused
     * before it is written: whole (not only the vector the view takes), and for a library its
     * index spec too.
     *
     * @throws RuntimeException when it cannot be read
     */
    private static void requireRestorable(final RecordKey key, final byte[] value) {
        switch (key) {
            case RecordKey.LibraryKey k -> {
                LibraryRecord library = RecordCodec.decodeLibrary(value);
                IndexSpecs.tolerated(library.indexJson(), library.dimension());
            }
            case RecordKey.DocumentKey k -> RecordCodec.decodeDocument(value);
            case RecordKey.ChunkKey k -> RecordCodec.decodeChunk(value);
            case RecordKey.WatermarkKey k -> RecordCodec.decodeOffset(value);
            case RecordKey.IndexRequestKey k -> RecordCodec.decodeOffset(value);
        }
    }
}
