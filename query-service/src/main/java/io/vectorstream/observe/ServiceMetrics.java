package io.vectorstream.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vectorstream.metrics.PipelineMeters;
import io.vectorstream.stream.ShardClient;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * The metrics of one instance, in Prometheus' text format ({@code /observe/metrics}): the
 * pipeline's meters (recorded to Micrometer's global registry, which this registry joins), the
 * HTTP server's, the shards' contents and the consumer lag (read when scraped), and the JVM's.
 */
public final class ServiceMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final ShardGauges shards;
    private final ConsumerLagGauges lag;

    /**
     * @param shards        this instance's shards, whose contents are read at each scrape
     * @param kafkaMetrics  the Kafka clients' metrics of the instance's Kafka Streams (the consumer lag)
     */
    public ServiceMetrics(final ShardClient shards, final Supplier<Map<MetricName, ? extends Metric>> kafkaMetrics) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.shards = new ShardGauges(shards, registry);
        this.lag = new ConsumerLagGauges(kafkaMetrics, registry);
        Metrics.addRegistry(registry);
        PipelineMeters.registerAll();
    }

    /** Where this instance's own meters go (HTTP, search). */
    public MeterRegistry registry() {
        return registry;
    }

    /** Every meter now, in Prometheus' text format 0.0.4. */
    public String scrape() {
        shards.refresh();
        lag.refresh();
        return registry.scrape();
    }

    @Override
    public void close() {
        Metrics.removeRegistry(registry);
        gc.close();
        registry.close();
    }
}
