package io.vectorstream.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The record a shard store leaves beside its file when it closes cleanly: the changelog offsets
 * the file holds everything up to, the file's length and a hash of its first 64 KiB, and the
 * machine's boot id (a record from before a machine restart is not trusted). Reading
 * it removes it, so a process that dies while the store is open leaves none.
 *
 * <p>Why: the file is written in place (memory-mapped), not in transactions, so after a crash it may
 * hold writes of aborted transactions, and a file lost or damaged since must not be served as
 * if it were complete. Without a valid record the store starts empty and Kafka Streams restores it
 * from the whole changelog; with one it restores only what came after those offsets.
 */
final class CleanClose {

    static final String FILE_NAME = "shard.clean";
    private static final int HEAD_BYTES = 64 * 1024;

    /**
     * What the record says: the offsets, or why the data file cannot be trusted.
     *
     * @param notClosed the file is there but was not closed: its process was killed or crashed
     */
    record Outcome(Map<TopicPartition, Long> offsets, String problem, boolean notClosed) {
        Outcome(final Map<TopicPartition, Long> offsets, final String problem) {
            this(offsets, problem, false);
        }

        boolean trusted() {
            return problem == null;
        }
    }

    private CleanClose() {
    }

    /** Writes the record for {@code data} (already closed), atomically. */
    static void write(final Path dir, final Path data, final Map<TopicPartition, Long> offsets) {
        List<String> lines = new ArrayList<>();
        lines.add("length " + size(data));
        lines.add("head " + headHash(data));
        lines.add("boot " + ApplyProgress.currentBootId().orElse("unknown"));
        offsets.forEach((partition, offset) -> lines.add("offset " + partition.topic() + " " + partition.partition()
                + " " + offset));
        try {
            Path temporary = dir.resolve(FILE_NAME + ".tmp");
            Files.write(temporary, lines, StandardCharsets.UTF_8);
            Files.move(temporary, dir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the clean close of " + data, e);
        }
    }

    /** Reads and removes the record of {@code data}, and checks that the file is the one closed. */
    static Outcome readAndRemove(final Path dir, final Path data) {
        Path record = dir.resolve(FILE_NAME);
        try {
            List<String> lines = Files.exists(record) ? Files.readAllLines(record, StandardCharsets.UTF_8) : null;
            Files.deleteIfExists(record);
            if (!Files.exists(data)) {
                return new Outcome(Map.of(), lines != null ? "its file " + data + " is missing" : "it is new");
            }
            if (lines == null) {
                return new Outcome(Map.of(), "the process that had it open did not close it (a crash or a kill)", true);
            }
            Map<TopicPartition, Long> offsets = new HashMap<>();
            long length = -1;
            String head = null;
            String boot = null;
            for (String line : lines) {
                String[] parts = line.split(" ");
                switch (parts[0]) {
                    case "length" -> length = Long.parseLong(parts[1]);
                    case "head" -> head = parts[1];
                    case "boot" -> boot = parts[1];
                    case "offset" -> offsets.put(new TopicPartition(parts[1], Integer.parseInt(parts[2])),
                            Long.parseLong(parts[3]));
                    default -> {
                        return new Outcome(Map.of(), "its clean-close record has an unknown line: " + line);
                    }
                }
            }
            String currentBoot = ApplyProgress.currentBootId().orElse(null);
            if (currentBoot == null || !currentBoot.equals(boot)) {
                // Closing does not write the memory-mapped pages to disk: after a machine restart
                // some may never have got there.
                return new Outcome(Map.of(), "the machine has restarted since it was closed (pages not yet written "
                        + "to disk may be lost)");
            }
            if (length != size(data) || !headHash(data).equals(head)) {
                return new Outcome(Map.of(), "its file " + data + " changed after it was closed (length "
                        + size(data) + ", was " + length + ")");
            }
            return new Outcome(offsets, null);
        } catch (IOException | RuntimeException e) {
            return new Outcome(Map.of(), "its clean-close record cannot be read (" + e + ")");
        }
    }

    private static long size(final Path data) {
        try {
            return Files.size(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String headHash(final Path data) {
        try (InputStream in = Files.newInputStream(data)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(in.readNBytes(HEAD_BYTES));
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
