package io.vectorstream.stream;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' production exception handler: a record Kafka would not take (too large for its
 * topic, a topic gone, ...). It says so, with the topic and the record's size, and counts it.
 *
 * <p>It cannot skip the record: under exactly-once a failed send has already put the transaction
 * into an error state, so the commit fails whatever a handler answers, and the records are
 * processed again (Kafka Streams 4.3's {@code RecordCollectorImpl}). So no record may reach a send
 * that can fail for its own sake: the stream checks every record it derives against the limits
 * of the topics it goes to ({@link Topics#MAX_RECORD_BYTES}, {@link DeadLetters#of}) and the
 * topics' limits at start-up ({@link Topics#correctChangelogs}). What still fails here is the
 * cluster's doing (a topic's limit lowered meanwhile, a topic deleted): the thread is replaced and
 * retries ({@link StreamThreadFailures}) until it is fixed, rather than skip data.
 */
public final class ProductionFailures implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProductionFailures.class);
    private static final AtomicLong FAILED_SENDS = new AtomicLong();

    @Override
    public void configure(final Map<String, ?> configs) {
        // nothing to configure
    }

    @Override
    public Response handleError(final ErrorHandlerContext context, final ProducerRecord<byte[], byte[]> record,
                                final Exception exception) {
        FAILED_SENDS.incrementAndGet();
        long bytes = (record.key() == null ? 0L : record.key().length)
                + (record.value() == null ? 0L : record.value().length);
        LOG.error("Kafka refused a record of {} bytes for topic {} ({}); the stream thread restarts and retries. "
                + "Check the topic's configuration (max.message.bytes) and that it exists", bytes, record.topic(),
                exception.toString());
        return Response.fail();
    }

    @Override
    public Response handleSerializationError(final ErrorHandlerContext context, final ProducerRecord record,
                                             final Exception exception, final SerializationExceptionOrigin origin) {
        FAILED_SENDS.incrementAndGet();
        LOG.error("a record for topic {} could not be serialised ({})", record.topic(), exception.toString());
        return Response.fail();
    }

    /** Sends Kafka refused in this process. */
    public static long failedSends() {
        return FAILED_SENDS.get();
    }
}
