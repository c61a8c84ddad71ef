package io.vectorstream.stream;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * How far the application has come through its inputs, from the offsets its consumer group has
 * committed (so it counts the work of every instance): events read of the events topic, and
 * records of the chunks topic not yet applied to the shards. Offsets are read committed, so
 * records of open transactions count only once they are committed.
 *
 * @param eventsTotal  events in the events topic
 * @param eventsDone   of those, events the validation stage has committed
 * @param chunksBehind records of the chunks topic the shards have not committed yet
 */
public record ReplayLag(long eventsTotal, long eventsDone, long chunksBehind) {

    /** Nothing left to read: every event is processed and every chunk record applied. */
    public boolean caughtUp() {
        return eventsDone >= eventsTotal && chunksBehind == 0;
    }

    /**
     * Measures the lag of {@code applicationId} over {@code topics}. Right after a reset the
     * internal topics are new, and a broker may not know them for a moment: the call is retried
     * then (seen in CI: UnknownTopicOrPartitionException on the first measure after a reset).
     */
    public static ReplayLag measure(final Admin admin, final String applicationId, final Topics topics) {
        return Topics.onceTopicsAreKnown("measure the lag of " + applicationId, () -> {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Span events = span(admin, topics.events(), committed);
            Span chunks = span(admin, topics.chunks(), committed);
            return new ReplayLag(events.total, events.done, chunks.total - chunks.done);
        });
    }

    /** Records of a topic between its earliest and latest offsets, and how many of them are committed. */
    private record Span(long total, long done) {
    }

    private static Span span(final Admin admin, final String topic, final Map<TopicPartition, OffsetAndMetadata> committed)
            throws InterruptedException, ExecutionException, TimeoutException {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                .partitions().size();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest());
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        ListOffsetsOptions readCommitted = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
        var starts = admin.listOffsets(earliest, readCommitted).all().get(30, TimeUnit.SECONDS);
        var ends = admin.listOffsets(latest, readCommitted).all().get(30, TimeUnit.SECONDS);
        long total = 0;
        long done = 0;
        for (TopicPartition partition : earliest.keySet()) {
            long start = starts.get(partition).offset();
            long end = ends.get(partition).offset();
            OffsetAndMetadata offset = committed.get(partition);
            long position = offset == null ? start : Math.min(end, Math.max(start, offset.offset()));
            total += end - start;
            done += position - start;
        }
        return new Span(total, done);
    }
}
