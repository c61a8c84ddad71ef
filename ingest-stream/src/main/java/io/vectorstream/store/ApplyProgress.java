package io.vectorstream.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * How far the shard file has applied its input: a small memory-mapped file beside it naming the
 * input partition (a {@code vectorstream.chunks} partition), the offset of the last record whose
 * writes are all in the file, and the boot of the machine they were written in.
 *
 * <p>Why: after a kill, the shard file holds every write the dead process made (memory-mapped
 * pages outlive the process), including writes of records whose transaction was never committed.
 * Those records are processed again from the committed input offset, and re-applying the last
 * writes per key leaves the same state, so the file can be reopened as it is, provided it has
 * applied every record the committed offset covers ({@link UncleanReopen}). Writes to the mapped
 * page are seen in program order by the kernel: once {@link #applied} says offset o, the writes of
 * o are in the page cache too. A machine crash can lose pages in any order: a new boot id means
 * the file is not trusted.
 */
final class ApplyProgress implements AutoCloseable {

    static final String FILE_NAME = "shard.progress";
    private static final int SIZE = 1024;
    private static final int MAGIC = 0x56535031; // "VSP1"
    private static final int APPLIED_AT = 4;
    private static final int PARTITION_AT = 12;
    private static final int BOOT_AT = 16;
    private static final int TOPIC_AT = 128;
    private static final int TEXT_BYTES = 100;
    private static final int TOPIC_BYTES = SIZE - TOPIC_AT - 2;

    /** What a progress file says. */
    record Snapshot(String bootId, String topic, int partition, long applied) {
    }

    private final FileChannel channel;
    private final MappedByteBuffer page;
    private String topic;
    private int partition = -1;

    private ApplyProgress(final FileChannel channel, final MappedByteBuffer page) {
        this.channel = channel;
        this.page = page;
    }

    /** Reads the progress file in {@code dir}, if there is a readable one. */
    static Optional<Snapshot> read(final Path dir) {
        Path file = dir.resolve(FILE_NAME);
        try {
            if (!Files.exists(file) || Files.size(file) != SIZE) {
                return Optional.empty();
            }
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
            if (bytes.getInt(0) != MAGIC) {
                return Optional.empty();
            }
            String topic = text(bytes, TOPIC_AT);
            return Optional.of(new Snapshot(text(bytes, BOOT_AT), topic.isEmpty() ? null : topic,
                    bytes.getInt(PARTITION_AT), bytes.getLong(APPLIED_AT)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Opens the progress file of {@code dir} for this process: keeps what it says when
     * {@code keep}, otherwise starts at "nothing applied". Stamps the current boot either way.
     */
    static ApplyProgress open(final Path dir, final boolean keep) {
        Path file = dir.resolve(FILE_NAME);
        try {
            Optional<Snapshot> previous = keep ? read(dir) : Optional.empty();
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            MappedByteBuffer page = channel.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
            ApplyProgress progress = new ApplyProgress(channel, page);
            page.putLong(APPLIED_AT, -1);
            page.putInt(PARTITION_AT, -1);
            putText(page, TOPIC_AT, "", TOPIC_BYTES);
            putText(page, BOOT_AT, currentBootId().orElse(""), TEXT_BYTES);
            page.putInt(0, MAGIC);
            previous.filter(p -> p.topic() != null).ifPresent(p -> {
                progress.source(p.topic(), p.partition());
                page.putLong(APPLIED_AT, p.applied());
            });
            return progress;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
    }

    /** Records that every write of input record {@code offset} of {@code topic}-{@code partition} is applied. */
    void applied(final String inputTopic, final int inputPartition, final long offset) {
        if (inputPartition != partition || !inputTopic.equals(topic)) {
            page.putLong(APPLIED_AT, -1); // before the source changes, so no old offset is read as the new one's
            source(inputTopic, inputPartition);
        }
        // The record's writes to the shard file must not be reordered after this one.
        VarHandle.fullFence();
        page.putLong(APPLIED_AT, offset);
    }

    private void source(final String inputTopic, final int inputPartition) {
        putText(page, TOPIC_AT, inputTopic, TOPIC_BYTES);
        page.putInt(PARTITION_AT, inputPartition);
        this.topic = inputTopic;
        this.partition = inputPartition;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the progress file of {@code dir}: the shard file it described is gone. */
    static void delete(final Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(FILE_NAME));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This boot of the machine (Linux), or empty where the system does not say. */
    static Optional<String> currentBootId() {
        try {
            return Optional.of(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void putText(final ByteBuffer buffer, final int at, final String text, final int max) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > max) {
            throw new IllegalArgumentException("too long for the progress file: " + text);
        }
        buffer.putShort(at, (short) bytes.length);
        buffer.put(at + 2, bytes);
    }

    private static String text(final ByteBuffer buffer, final int at) {
        int length = buffer.getShort(at);
        byte[] bytes = new byte[length];
        buffer.get(at + 2, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
