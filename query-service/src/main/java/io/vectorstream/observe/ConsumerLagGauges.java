package io.vectorstream.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * {@code vectorstream_consumer_lag_records{topic,partition}}: how many records each partition
 * this instance consumes is behind its end, from the consumers' own {@code records-lag} metric
 * (the largest where two consumers of the instance report one partition, e.g. while it restores).
 * Kafka Streams has hundreds of client metrics; this is the one an operator alerts on.
 */
final class ConsumerLagGauges {

    private static final String GROUP = "consumer-fetch-manager-metrics";
    private static final String LAG = "records-lag";

    private final Supplier<Map<MetricName, ? extends Metric>> metrics;
    private final MultiGauge gauge;

    ConsumerLagGauges(final Supplier<Map<MetricName, ? extends Metric>> metrics, final MeterRegistry registry) {
        this.metrics = metrics;
        this.gauge = MultiGauge.builder("vectorstream.consumer.lag").baseUnit("records")
                .description("Records a consumed partition is behind its end").register(registry);
    }

    void refresh() {
        Map<List<String>, Double> byPartition = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        for (Map.Entry<MetricName, ? extends Metric> entry : metrics.get().entrySet()) {
            MetricName name = entry.getKey();
            String topic = name.tags().get("topic");
            String partition = name.tags().get("partition");
            if (!GROUP.equals(name.group()) || !LAG.equals(name.name()) || topic == null || partition == null) {
                continue;
            }
            if (entry.getValue().metricValue() instanceof Number lag && !Double.isNaN(lag.doubleValue())) {
                byPartition.merge(List.of(topic, partition), lag.doubleValue(), Math::max);
            }
        }
        // Kafka 4 reports each lag twice while the old name lasts: under the topic's name and under
        // the name with its dots as underscores (deprecated). The second is left out.
        Set<String> topics = new HashSet<>();
        byPartition.keySet().forEach(key -> topics.add(key.get(0)));
        byPartition.keySet().removeIf(key -> topics.stream().anyMatch(topic -> !topic.equals(key.get(0))
                && topic.replace('.', '_').equals(key.get(0))));
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        byPartition.forEach((key, lag) -> rows.add(MultiGauge.Row.of(Tags.of("topic", key.get(0), "partition",
                key.get(1)), lag)));
        gauge.register(rows, true);
    }
}
