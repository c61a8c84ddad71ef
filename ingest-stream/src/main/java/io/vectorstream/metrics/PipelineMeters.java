package io.vectorstream.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The meters of the pipeline: what the stream, the store and the model count and time. They go
 * to Micrometer's global registry, the facade a library records to (as it logs to SLF4J); the
 * service adds the registry that exports them ({@code /observe/metrics}), and without one they
 * cost a counter's increment. Names are Micrometer's dotted ones; Prometheus shows them with
 * underscores and its suffixes ({@code vectorstream.dead.letters} is {@code vectorstream_dead_letters_total}).
 */
public final class PipelineMeters {

    /** Why an event or record went to a dead-letter topic: the {@code reason} label, a closed set. */
    public enum DeadLetterCause {
        /** The event broke a rule of the event schema (the letter's reason header says which). */
        INVALID_EVENT("invalid_event"),
        /** Applying it would have taken the index memory past its budget. */
        INDEX_MEMORY("index_memory"),
        /** The shard store could not apply it. */
        SHARD_STORE("shard_store"),
        /** A processor failed on it unexpectedly. */
        INTERNAL("internal");

        private final String label;

        DeadLetterCause(final String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private static final MeterRegistry REGISTRY = Metrics.globalRegistry;
    private static final Counter EVENTS_APPLIED = Counter.builder("vectorstream.events.applied")
            .description("Events that passed validation and went to the shards").register(REGISTRY);
    private static final Counter CACHE_HITS = Counter.builder("vectorstream.embedding.cache.hits")
            .description("Texts whose embedding the cache had").register(REGISTRY);
    private static final Counter CACHE_MISSES = Counter.builder("vectorstream.embedding.cache.misses")
            .description("Texts the cache did not have, sent to the model").register(REGISTRY);

    static {
        // Every reason exists from the start, at 0: a rate over a series that appears only with
        // its first letter misses that letter.
        for (DeadLetterCause cause : DeadLetterCause.values()) {
            deadLetters(cause);
        }
    }

    private PipelineMeters() {
    }

    /**
     * Registers every meter that exists from the start (at 0) now, rather than when the pipeline
     * first uses this class: a scrape before the first event shows them.
     */
    public static void registerAll() {
        // Loading the class ran its static initialiser: nothing more to do.
    }

    private static Counter deadLetters(final DeadLetterCause cause) {
        return Counter.builder("vectorstream.dead.letters").description("Records sent to a dead-letter topic, by reason")
                .tag("reason", cause.label()).register(REGISTRY);
    }

    /** An event passed validation and its records went to the shards. */
    public static void eventApplied() {
        EVENTS_APPLIED.increment();
    }

    /** A record went to a dead-letter topic. */
    public static void deadLettered(final DeadLetterCause cause) {
        deadLetters(cause).increment();
    }

    /** Texts looked up in the embedding cache: how many it had and how many it did not. */
    public static void embeddingCache(final int hits, final int misses) {
        CACHE_HITS.increment(hits);
        CACHE_MISSES.increment(misses);
    }

    /**
     * One forward pass of a model over {@code texts} texts.
     *
     * @param purpose {@code passage} (texts to index: the stream's, {@code /v1/embed} with that
     *                purpose) or {@code query} (search texts, {@code /v1/embed} by default)
     */
    public static void modelPass(final String model, final String purpose, final int texts, final Duration took) {
        Counter.builder("vectorstream.embeddings.computed").description("Texts embedded by the model")
                .tag("model", model).tag("purpose", purpose).register(REGISTRY).increment(texts);
        Timer.builder("vectorstream.model.pass").description("Time of one forward pass of the model over a batch")
                .tag("model", model).tag("purpose", purpose).serviceLevelObjectives(LatencyBuckets.bounds())
                .register(REGISTRY).record(took);
    }
}
