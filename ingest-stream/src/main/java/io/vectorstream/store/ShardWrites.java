package io.vectorstream.store;

import io.vectorstream.record.RecordKey;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records to an open shard's map and view together: one at a time (a put, a delete, a
 * restored changelog record), or the writes of one input record all or nothing ({@link #putAll},
 * rolled back when one of them fails). Writer thread only.
 */
final class ShardWrites {

    /** Its lines are the shard store's. */
    private static final Logger LOG = LoggerFactory.getLogger(ChronicleShardStore.class);

    private final OpenShard shard;
    /** Whether writes keep their previous values in {@link #undo}: inside a {@link #putAll} with puts. */
    private boolean keepingUndo;
    /** The previous value of each write of the {@link #putAll} under way. */
    private final List<KeyValue<byte[], byte[]>> undo = new ArrayList<>();

    ShardWrites(final OpenShard shard) {
        this.shard = shard;
    }

    void write(final byte[] key, final byte[] value) {
        shard.requireView();
        RecordKey recordKey = RecordKey.decode(key);
        if (keepingUndo && recordKey instanceof RecordKey.ChunkKey chunk) {
            // A live write (not a restore or a load, which take what the changelog holds).
            shard.contents.requireRoomFor(chunk, () -> !shard.map.containsKey(key));
        }
        byte[] previous = shard.map.put(key, value); // Chronicle reads the previous value anyway
        if (keepingUndo) {
            undo.add(KeyValue.pair(key, previous));
        }
        shard.contents.onPut(recordKey, value);
    }

    byte[] remove(final byte[] key) {
        shard.requireView();
        byte[] old = shard.map.remove(key);
        if (old != null) {
            if (keepingUndo) {
                undo.add(KeyValue.pair(key, old));
            }
            shard.contents.onDelete(RecordKey.decode(key));
        }
        return old;
    }

    /** Applies every write of one input record, or (when one fails, which is thrown) none of them. */
    void putAll(final List<KeyValue<Bytes, byte[]>> entries) {
        // Removals alone do not fail in practice, and a library's cascade may remove millions of
        // records: their previous values are kept only when puts, which can fail, come with them.
        keepingUndo = hasPut(entries);
        try {
            for (KeyValue<Bytes, byte[]> entry : entries) {
                if (entry.value == null) {
                    remove(entry.key.get());
                } else {
                    write(entry.key.get(), entry.value);
                }
            }
        } catch (RuntimeException e) {
            if (keepingUndo) {
                keepingUndo = false;
                rollBack(undo, e);
            }
            throw e;
        } finally {
            keepingUndo = false;
            undo.clear();
        }
    }

    private static boolean hasPut(final List<KeyValue<Bytes, byte[]>> entries) {
        for (KeyValue<Bytes, byte[]> entry : entries) {
            if (entry.value != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes back the writes {@link #putAll} made before one failed, last first, so that a record
     * is applied whole or not at all. Kafka Streams logs a putAll's entries to the changelog only
     * after the store took them all: a record half applied here would be in the file and the
     * view but not in the changelog, and a restore would differ from this shard.
     */
    private void rollBack(final List<KeyValue<byte[], byte[]>> writes, final RuntimeException failure) {
        for (int i = writes.size() - 1; i >= 0; i--) {
            byte[] key = writes.get(i).key;
            byte[] previous = writes.get(i).value;
            RecordKey recordKey = RecordKey.decode(key);
            try {
                if (previous == null) {
                    if (shard.map.remove(key) != null) {
                        shard.contents.onDelete(recordKey);
                    }
                } else {
                    shard.map.put(key, previous);
                    // An index request is an action, not state: putting the old one back must not
                    // rebuild the index again.
                    if (!(recordKey instanceof RecordKey.IndexRequestKey)) {
                        shard.contents.onPut(recordKey, previous);
                    }
                }
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
                LOG.error("shard store {}: a record failed part-way and its write of {} could not be taken back; "
                        + "this shard may differ from its changelog until it is restored", shard.name, recordKey, e);
            }
        }
    }
}
