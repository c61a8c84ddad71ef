package io.vectorstream.stream;

import io.vectorstream.record.RecordKey;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Places records on {@code vectorstream.chunks}: a document and its chunks go to the partition of
 * hash(library id, document id), so one library spreads over every partition while a document
 * stays in one; library records, index requests and watermarks go to every partition (KIP-837 multicast), so each
 * shard sees them in order with the chunk records around them.
 */
public final class ShardPartitioner implements StreamPartitioner<byte[], byte[]> {

    @Override
    public Optional<Set<Integer>> partitions(final String topic, final byte[] key, final byte[] value,
                                             final int numPartitions) {
        return switch (RecordKey.decode(key)) {
            case RecordKey.LibraryKey k -> Optional.of(all(numPartitions));
            case RecordKey.WatermarkKey k -> Optional.of(all(numPartitions));
            case RecordKey.IndexRequestKey k -> Optional.of(all(numPartitions));
            case RecordKey.DocumentKey k -> Optional.of(Set.of(shardOf(k.libraryId(), k.documentId(), numPartitions)));
            case RecordKey.ChunkKey k -> Optional.of(Set.of(shardOf(k.libraryId(), k.documentId(), numPartitions)));
        };
    }

    /** The partition (shard) that holds a document and its chunks. */
    public static int shardOf(final String libraryId, final String documentId, final int numPartitions) {
        byte[] documentKey = new RecordKey.DocumentKey(libraryId, documentId).encode();
        return Utils.toPositive(Utils.murmur2(documentKey)) % numPartitions;
    }

    private static Set<Integer> all(final int numPartitions) {
        return IntStream.range(0, numPartitions).boxed().collect(Collectors.toUnmodifiableSet());
    }
}
