package io.vectorstream.stream;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link InputEnds} read with an admin client on a thread of its own: one reading at a time,
 * started when asked for, at most one every {@value #MIN_INTERVAL_MS} ms.
 */
final class AdminInputEnds implements InputEnds {

    private static final Logger LOG = LoggerFactory.getLogger(AdminInputEnds.class);
    static final long MIN_INTERVAL_MS = 5;

    private final Admin admin;
    private final String topic;
    private final Thread reader;
    private volatile Map<Integer, Long> ends = Map.of();
    /** Before the first reading: when this was made, so that nothing is "read after" it yet. */
    private volatile long lastReadingStartedAt = System.nanoTime();
    private boolean requested;
    /** The partitions of the topic, described again every 10 s (partitions may be added). */
    private int partitions;
    private long partitionsReadAt;
    private static final long DESCRIBE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private boolean closed;

    AdminInputEnds(final Map<String, Object> kafka, final String topic) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "vectorstream-input-ends");
        this.admin = Admin.create(config);
        this.topic = topic;
        this.reader = Thread.ofPlatform().daemon().name("vectorstream-input-ends").start(this::readWhenAsked);
    }

    @Override
    public long end(final int partition) {
        return ends.getOrDefault(partition, -1L);
    }

    @Override
    public long lastReadingStartedAt() {
        return lastReadingStartedAt;
    }

    @Override
    public synchronized void requestReading() {
        requested = true;
        notifyAll();
    }

    @Override
    public synchronized boolean awaitReading(final Duration timeout) {
        long asked = System.nanoTime();
        long deadline = asked + timeout.toNanos();
        requestReading();
        try {
            while (lastReadingStartedAt - asked < 0 && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return lastReadingStartedAt - asked >= 0;
    }

    private void readWhenAsked() {
        while (awaitRequest()) {
            long started = System.nanoTime();
            try {
                ends = read();
                lastReadingStartedAt = started;
                synchronized (this) {
                    notifyAll(); // awaitReading
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                LOG.warn("cannot read the end offsets of {} ({}); watermarks past the last reading wait", topic,
                        e.toString());
                pause(1_000);
            }
            pause(MIN_INTERVAL_MS);
        }
    }

    private Map<Integer, Long> read() throws Exception {
        if (partitions == 0 || System.nanoTime() - partitionsReadAt > DESCRIBE_EVERY_NANOS) {
            partitions = Topics.onceTopicsAreKnown("describe topic " + topic, () -> admin.describeTopics(
                    List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size());
            partitionsReadAt = System.nanoTime();
        }
        Map<TopicPartition, OffsetSpec> wanted = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            wanted.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<Integer, Long> read = new HashMap<>();
        admin.listOffsets(wanted).all().get(30, TimeUnit.SECONDS)
                .forEach((partition, info) -> read.put(partition.partition(), info.offset()));
        return Map.copyOf(read);
    }

    private synchronized boolean awaitRequest() {
        try {
            while (!requested && !closed) {
                wait();
            }
        } catch (InterruptedException e) {
            return false;
        }
        requested = false;
        return !closed;
    }

    private void pause(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        reader.interrupt();
        admin.close(Duration.ofSeconds(5));
    }
}
