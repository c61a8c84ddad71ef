package io.vectorstream.cli;

import io.vectorstream.embed.Models;
import io.vectorstream.stream.IngestStreams;
import io.vectorstream.stream.Topics;
import java.io.PrintStream;

/**
 * {@code vectorstream topics}: creates the application's topics that do not exist, with the
 * partitions, replicas and configurations the topology needs, corrects what can be corrected on
 * existing ones and checks the rest, then exits. What every instance does as it starts, as a step
 * of its own: a deployment runs it once before the instances, so that they do not race to create
 * the topics, and its failure names the setting to fix before anything serves.
 */
final class TopicsCommand {

    private TopicsCommand() {
    }

    static void run(final ServiceConfig config, final PrintStream out) {
        run(config, Topics.DEFAULT, out);
    }

    /** {@link #run(ServiceConfig, PrintStream)} on topics of other names (tests on a shared broker). */
    static void run(final ServiceConfig config, final Topics topics, final PrintStream out) {
        String kafka = config.kafka().bootstrap().orElseThrow(() -> new Options.UsageException(
                "--kafka BOOTSTRAP is required (or kafka.bootstrap in the configuration, VECTORSTREAM_KAFKA_BOOTSTRAP)"));
        IngestStreams.Settings settings = Main.settings(kafka, config, "localhost:0", Models.none()).withTopics(topics);
        IngestStreams.PreparedTopics prepared = IngestStreams.prepareTopics(settings);
        out.printf("Topics ready on %s: %s, %s (%d shards), %s; %d replicas, min.insync.replicas %d.%n", kafka,
                topics.events(), topics.chunks(), prepared.shardCount(), topics.deadLetter(),
                prepared.replication().factor(), prepared.replication().minInsync());
    }
}
