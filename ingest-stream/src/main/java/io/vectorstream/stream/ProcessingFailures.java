package io.vectorstream.stream;

import io.vectorstream.metrics.PipelineMeters.DeadLetterCause;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' processing exception handler: what a processor or punctuator throws past its own
 * handling. The processors turn every bad record into a dead letter themselves; what reaches this
 * is a bug (a rule that throws instead of rejecting), and a bug must not stop the pipeline or come
 * back at every restart. So the record goes to the dead-letter topic with the exception as its
 * reason, and processing goes on.
 *
 * <p>Kafka's own exceptions are not records' fault (a producer in error, a lost transaction): they
 * fail the thread, which is replaced and retries ({@link StreamThreadFailures}). Under exactly-once
 * the transaction is aborted then, so nothing of the record is lost or written twice.
 */
public final class ProcessingFailures implements ProcessingExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessingFailures.class);
    /** The configuration key of the dead-letter topic this handler writes to. */
    static final String DEAD_LETTER_TOPIC_CONFIG = "vectorstream.dead.letter.topic";
    private static final AtomicLong DEAD_LETTERED = new AtomicLong();

    private String deadLetterTopic = Topics.DEFAULT.deadLetter();

    @Override
    public void configure(final Map<String, ?> configs) {
        Object topic = configs.get(DEAD_LETTER_TOPIC_CONFIG);
        if (topic != null) {
            deadLetterTopic = topic.toString();
        }
    }

    @Override
    public Response handleError(final ErrorHandlerContext context, final Record<?, ?> record,
                                final Exception exception) {
        if (exception instanceof KafkaException) {
            LOG.error("task {}: Kafka failed while processing {}-{}@{}; the stream thread restarts and retries",
                    context.taskId(), context.topic(), context.partition(), context.offset(), exception);
            return Response.fail();
        }
        DEAD_LETTERED.incrementAndGet();
        if (record == null) { // a punctuation: no record to blame
            LOG.error("task {}: a scheduled step failed in processor {}; processing goes on", context.taskId(),
                    context.processorNodeId(), exception);
            return Response.resume();
        }
        LOG.error("task {}: processing {}-{}@{} failed in processor {}; the record goes to {} and processing goes on",
                context.taskId(), context.topic(), context.partition(), context.offset(), context.processorNodeId(),
                deadLetterTopic, exception);
        Record<byte[], byte[]> letter = DeadLetters.of(DeadLetterCause.INTERNAL, context.sourceRawKey(), context.sourceRawValue(),
                context.timestamp(), "internal error while processing: " + exception, null, context.topic(),
                context.partition(), context.offset());
        return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, letter.timestamp(), letter.key(),
                letter.value(), letter.headers())));
    }

    /** Records sent to the dead-letter topic by this handler in this process. */
    public static long deadLettered() {
        return DEAD_LETTERED.get();
    }
}
