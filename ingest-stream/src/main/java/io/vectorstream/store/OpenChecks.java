package io.vectorstream.store;

import java.util.function.Predicate;
import org.apache.kafka.streams.processor.StateStoreContext;

/**
 * What a shard store asks of Kafka Streams when it opens: whether this open is the start-up's,
 * for the offsets only ({@link StartupHandoff#isStartupOpen}), and whether to check, against the
 * broker, that the changelog topic is the one the file was written with ({@link ChangelogIdentity}).
 * In production Kafka Streams answers ({@link #KAFKA_STREAMS}); tests of the store alone, which
 * have no broker and no start-up, choose.
 *
 * @param verifyChangelog whether to check the changelog topic's identity on open
 * @param startupOpen     tells a start-up open from a task's
 */
record OpenChecks(boolean verifyChangelog, Predicate<StateStoreContext> startupOpen) {

    /** As Kafka Streams opens the store. */
    static final OpenChecks KAFKA_STREAMS = new OpenChecks(true, StartupHandoff::isStartupOpen);
}
