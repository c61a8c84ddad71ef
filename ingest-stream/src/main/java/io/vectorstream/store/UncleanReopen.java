package io.vectorstream.store;

import io.vectorstream.util.Pause;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a shard file left by a process that did not close it (killed, crashed) can be
 * reopened as it is, and from which changelog offset Kafka Streams then restores.
 *
 * <p>The file holds the writes of every input record the dead process applied ({@link ApplyProgress}
 * says up to which), some of them in transactions that were aborted. Kafka Streams processes every
 * record after the committed input offset again, and each record's writes are a function of the
 * record and what the shard holds for its library, document and chunk, with the last write per key
 * deciding: so re-applying records the file already holds ends in the state the committed history
 * gives (meanwhile the store withholds its watermarks, see {@code ShardQueryHandler}). That
 * holds only if the file has applied every record below the committed offset; when it has not (an
 * instance elsewhere processed this partition further meanwhile), the file is not used. Nothing
 * needs restoring from the changelog either: everything committed to it came from records the file
 * applied, so the store reports the offset below the changelog's last stable offset as its own.
 */
final class UncleanReopen {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /**
     * The killed process's transaction ends when a stream thread of this process that takes over
     * its transactional id starts its producer (before it opens its tasks' stores), or after the
     * producers' 15-minute transaction timeout.
     */
    private static final Duration PENDING_TRANSACTION_WAIT = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(UncleanReopen.class);

    private UncleanReopen() {
    }

    /**
     * @param mayWait whether the transaction the killed process left open can end while this waits:
     *                not in Kafka Streams' start-up opens, which run before any stream thread has
     *                started, and so before the producer that takes over the killed one's
     *                transactional id aborts its transaction (the 15-minute transaction timeout
     *                would be the only way out)
     * @return the changelog offsets to restore from, or why the file cannot be used, or (only when
     *         {@code !mayWait}) that the decision waits for the task's own open
     */
    static Decision decide(final ApplyProgress.Snapshot progress, final ShardKafka kafka, final boolean mayWait) {
        if (progress == null) {
            return problem("it has no readable record of the input it applied");
        }
        String boot = ApplyProgress.currentBootId().orElse(null);
        if (boot == null || !boot.equals(progress.bootId())) {
            return problem("the machine has restarted since it was written (unwritten pages may be lost)");
        }
        if (progress.topic() == null || progress.applied() < 0) {
            return problem("it had applied no input record yet");
        }
        String applicationId = kafka.applicationId();
        TopicPartition input = new TopicPartition(progress.topic(), progress.partition());
        TopicPartition changelog = kafka.changelog();
        try {
            Admin admin = kafka.admin();
            // The changelog's stable end first, the committed input offset second (stable: no commit
            // pending): whatever another instance commits in between adds input records this file
            // did not apply, which the check below catches, never changelog records it would claim.
            long stable = admin.listOffsets(Map.of(changelog, OffsetSpec.latest()),
                            new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).get(changelog).offset();
            OffsetAndMetadata committed = committedInput(admin, applicationId, input, true);
            boolean pending = committed == null && committedInput(admin, applicationId, input, false) != null;
            if (pending && !mayWait && stable > 0) {
                // Kafka Streams only wants offsets now, to weigh tasks by their lag.
                return new Decision(new CleanClose.Outcome(Map.of(changelog, stable - 1), null), false, true);
            }
            if (pending && mayWait) {
                // An offset is committed, and a newer one is pending in a transaction the killed
                // process left open: a stable answer leaves the partition out until that
                // transaction ends (see PENDING_TRANSACTION_WAIT). Restoring the whole shard
                // instead would take far longer.
                LOG.info("waiting up to {} s for the transaction the killed process left open on {} to end",
                        PENDING_TRANSACTION_WAIT.toSeconds(), input);
                long deadline = System.nanoTime() + PENDING_TRANSACTION_WAIT.toNanos();
                while (committed == null && System.nanoTime() < deadline) {
                    Pause.millis(500, "a pending transaction");
                    committed = committedInput(admin, applicationId, input, true);
                }
            }
            if (committed == null) {
                return problem("the application has no committed offset for " + input);
            }
            long firstUnapplied = firstCommittedRecordAfter(kafka.config(), input, progress.applied(), committed.offset());
            if (firstUnapplied >= 0) {
                return problem("the input was committed past what it applied: record " + input + "@" + firstUnapplied
                        + " is below the committed offset " + committed.offset() + " but not in the file (processed"
                        + " elsewhere meanwhile)");
            }
            if (stable == 0) {
                return problem("its changelog " + changelog + " is empty");
            }
            // Kafka Streams' convention for a store's committed changelog offset: the last offset it holds.
            return new Decision(new CleanClose.Outcome(Map.of(changelog, stable - 1), null),
                    progress.applied() >= committed.offset(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return problem("interrupted while reading the committed offsets");
        } catch (Exception e) {
            return problem("the committed offsets cannot be read (" + e + ")");
        }
    }

    /** The group's committed offset of {@code input}; {@code stable}: none while one is pending. */
    private static OffsetAndMetadata committedInput(final Admin admin, final String applicationId,
                                                    final TopicPartition input, final boolean stable)
            throws Exception {
        return admin.listConsumerGroupOffsets(Map.of(applicationId,
                        new ListConsumerGroupOffsetsSpec()),
                        new ListConsumerGroupOffsetsOptions().requireStable(stable))
                .partitionsToOffsetAndMetadata(applicationId).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).get(input);
    }

    /**
     * The offset of the first committed record of {@code input} after {@code applied} and below
     * {@code committed}, or -1 if there is none (offsets in between may be transaction markers).
     */
    private static long firstCommittedRecordAfter(final StreamsConfig config, final TopicPartition input,
                                                  final long applied, final long committed) {
        if (applied + 1 >= committed) {
            return -1;
        }
        Map<String, Object> props = config.getRestoreConsumerConfigs("vectorstream-shard-reopen");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        // Usually only transaction markers lie in between: answer at once instead of holding the
        // fetch for data (fetch.max.wait.ms, 500 ms by default), once per shard on the start path.
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(input));
            consumer.seek(input, applied + 1);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(input) < committed) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no answer reading " + input + " from offset " + (applied + 1));
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    return record.offset() < committed ? record.offset() : -1;
                }
            }
            return -1;
        }
    }

    private static Decision problem(final String why) {
        return new Decision(new CleanClose.Outcome(Map.of(), why), false, false);
    }

    /**
     * @param outcome     the changelog offsets to restore from, or why the file cannot be used
     * @param reprocesses whether records the file already holds come again (it applied records at
     *                    or after the committed input offset)
     * @param deferred    not decided yet: a start-up open found the committed input offset pending
     *                    in the killed process's transaction; the outcome's offsets only estimate the
     *                    lag, and the file is left as it is for the task's open to decide
     */
    record Decision(CleanClose.Outcome outcome, boolean reprocesses, boolean deferred) {
    }
}
