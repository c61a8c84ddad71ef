package io.vectorstream.store;

import java.util.Map;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryResult;

/**
 * Answers the shard store's interactive (IQv2) queries: a {@link ShardQuery} from the shard's
 * in-memory view, inside the close lock, with the store's position; any other query type is not
 * the shard store's.
 */
final class ShardQueryHandler {

    private ShardQueryHandler() {
    }

    /**
     * @param store    the store asked, named in an answer to a query of an unknown type
     * @param shard    the store's open shard; null before it opened
     * @param position the store's position, copied into the answer
     */
    @SuppressWarnings("unchecked")
    static <R> QueryResult<R> handle(final Query<R> query, final StateStore store, final OpenShard shard,
                                     final Position position) {
        if (!(query instanceof ShardQuery<?> shardQuery)) {
            return QueryResult.forUnknownQueryType(query, store);
        }
        if (shard == null) {
            return closed(store);
        }
        shard.readLock().lock();
        try {
            if (!shard.isOpen() || shard.offsetsOnly) {
                // Closing for a rebalance or shutdown: like a shard that moved away, try again.
                return closed(store);
            }
            Object answer = shardQuery instanceof ShardQuery.Watermarks && shard.replayingThrough >= 0
                    ? Map.of() // re-applying older records: what the watermarks promise may be undone meanwhile
                    : shard.contents.answer(shardQuery);
            QueryResult<R> result = QueryResult.forResult((R) answer);
            result.setPosition(position.copy());
            return result;
        } finally {
            shard.readLock().unlock();
        }
    }

    private static <R> QueryResult<R> closed(final StateStore store) {
        return QueryResult.forFailure(FailureReason.NOT_ACTIVE, "shard store " + store.name() + " is closed");
    }
}
