package io.vectorstream.stream;

import io.vectorstream.record.ChunkRecord;
import io.vectorstream.store.ShardQuery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the shards hold, written out as text in id order: every library (with its counts
 * summed over the shards), document and chunk with all their fields. Two states are equal exactly
 * when their dumps are.
 */
final class ShardState {

    private ShardState() {
    }

    static String dump(final ShardClient shards) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, List<ShardQuery.LibraryStats>> library : libraries(shards).entrySet()) {
            ShardQuery.LibraryStats first = library.getValue().getFirst();
            int documents = library.getValue().stream().mapToInt(ShardQuery.LibraryStats::documentCount).sum();
            int chunks = library.getValue().stream().mapToInt(ShardQuery.LibraryStats::chunkCount).sum();
            out.append(first.library()).append(" documents=").append(documents).append(" chunks=").append(chunks)
                    .append('\n');
            for (ShardQuery.DocumentStats document : documents(shards, library.getKey())) {
                out.append("  ").append(document).append('\n');
                for (ChunkRecord chunk : chunks(shards, library.getKey(), document.document().id())) {
                    out.append("    ").append(chunk.id()).append(' ').append(chunk.text()).append(' ')
                            .append(Arrays.toString(chunk.vector())).append(' ').append(chunk.metadataJson())
                            .append(" v").append(chunk.version()).append(' ').append(chunk.createdAt()).append(' ')
                            .append(chunk.updatedAt()).append('\n');
                }
            }
        }
        return out.toString();
    }

    /** Number of chunks over all libraries and shards, or -1 while a shard cannot answer. */
    static int chunkCount(final ShardClient shards) {
        try {
            return libraries(shards).values().stream().flatMap(List::stream)
                    .mapToInt(ShardQuery.LibraryStats::chunkCount).sum();
        } catch (RuntimeException notReadyYet) {
            return -1;
        }
    }

    private static Map<String, List<ShardQuery.LibraryStats>> libraries(final ShardClient shards) {
        Map<String, List<ShardQuery.LibraryStats>> byId = new TreeMap<>();
        shards.query(new ShardQuery.ListLibraries(null, Integer.MAX_VALUE), null).values().forEach(page -> page
                .forEach(stats -> byId.computeIfAbsent(stats.library().id(), id -> new ArrayList<>()).add(stats)));
        return byId;
    }

    private static List<ShardQuery.DocumentStats> documents(final ShardClient shards, final String libraryId) {
        List<ShardQuery.DocumentStats> all = new ArrayList<>();
        shards.query(new ShardQuery.ListDocuments(libraryId, null, Integer.MAX_VALUE), null).values()
                .forEach(all::addAll);
        all.sort(Comparator.comparing(d -> d.document().id()));
        return all;
    }

    private static List<ChunkRecord> chunks(final ShardClient shards, final String libraryId, final String documentId) {
        List<ChunkRecord> all = new ArrayList<>();
        shards.query(new ShardQuery.ListChunks(libraryId, documentId, null, Integer.MAX_VALUE), null).values()
                .forEach(all::addAll);
        all.sort(Comparator.comparing(ChunkRecord::id));
        return all;
    }
}
