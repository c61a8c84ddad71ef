package io.vectorstream.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.util.Directories;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import org.junit.jupiter.api.Test;

/**
 * What a kill leaves in a shard file, made without a kill: a copy of the file taken while a
 * segment's write lock is held (the writer stopped mid-put), possibly with bytes of an entry
 * damaged. Recovery accepts damage in the segment being written (the record in flight is
 * processed again) and gives up on damage elsewhere.
 */
class KilledFileRecoveryTest {

    private static final int ENTRIES = 400;

    private static ChronicleMapBuilder<byte[], byte[]> builder() {
        return ChronicleMapBuilder.of(byte[].class, byte[].class).name("test").entries(1_000)
                .averageKeySize(16).averageValueSize(64).actualSegments(8);
    }

    private static byte[] key(final int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    /** A distinctive value, to find its bytes in the file. */
    private static byte[] value(final int i) {
        return String.format("value-%05d-%s", i, "x".repeat(40)).getBytes(StandardCharsets.UTF_8);
    }

    /** A file of {@link #ENTRIES} entries copied while the write lock of {@code lockedKey}'s segment was held. */
    private static Path killedMidWrite(final Path dir, final int lockedKey) throws IOException {
        File original = dir.resolve("original.cm").toFile();
        Path copy = dir.resolve("killed.cm");
        try (ChronicleMap<byte[], byte[]> map = builder().createPersistedTo(original)) {
            for (int i = 0; i < ENTRIES; i++) {
                map.put(key(i), value(i));
            }
            try (ExternalMapQueryContext<byte[], byte[], ?> context = map.queryContext(key(lockedKey))) {
                context.writeLock().lock();
                Files.copy(original.toPath(), copy); // what the page cache holds at the kill
            }
        }
        return copy;
    }

    private static int segmentOf(final Path file, final int key) throws IOException {
        try (ChronicleMap<byte[], byte[]> map = builder().recoverPersistedTo(file.toFile(), false, c -> { });
             ExternalMapQueryContext<byte[], byte[], ?> context = map.queryContext(key(key))) {
            context.readLock().lock();
            return context.segmentIndex();
        }
    }

    /** Flips a byte in the middle of entry {@code i}'s value in the file. */
    private static void damageValue(final Path file, final int i) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] needle = value(i);
        for (int at = 0; at + needle.length <= bytes.length; at++) {
            if (Arrays.equals(bytes, at, at + needle.length, needle, 0, needle.length)) {
                bytes[at + 20] ^= 0x55;
                Files.write(file, bytes);
                return;
            }
        }
        throw new AssertionError("value " + i + " not found in the file");
    }

    @Test
    void aLockHeldByTheKilledWriterIsCleared() throws Exception {
        Path dir = Directories.temporary("killed-file");
        Path file = killedMidWrite(dir, 7);
        try (ChronicleMap<byte[], byte[]> map = KilledFileRecovery.recover(builder(), file.toFile())) {
            assertEquals(ENTRIES, map.size());
            assertArrayEquals(value(7), map.get(key(7)));
            map.put(key(7), value(8)); // the lock is free again
            assertArrayEquals(value(8), map.get(key(7)));
        }
    }

    @Test
    void damageInTheSegmentBeingWrittenIsAcceptedAndDamageElsewhereIsNot() throws Exception {
        Path dir = Directories.temporary("killed-file");
        int locked = 7;
        int lockedSegment;
        Files.createDirectories(dir.resolve("probe"));
        Files.createDirectories(dir.resolve("torn"));
        Files.createDirectories(dir.resolve("damaged"));
        Path probe = killedMidWrite(dir.resolve("probe"), locked);
        lockedSegment = segmentOf(probe, locked);
        int sameSegment = -1;
        int otherSegment = -1;
        for (int i = 0; i < ENTRIES && (sameSegment < 0 || otherSegment < 0); i++) {
            if (i == locked) {
                continue;
            }
            int segment = segmentOf(probe, i);
            if (segment == lockedSegment && sameSegment < 0) {
                sameSegment = i;
            } else if (segment != lockedSegment && otherSegment < 0) {
                otherSegment = i;
            }
        }
        assertTrue(sameSegment >= 0 && otherSegment >= 0, "keys in and out of the locked segment");

        // The torn entry of the write in flight: dropped by recovery, written again by the replay.
        Path torn = killedMidWrite(dir.resolve("torn"), locked);
        damageValue(torn, sameSegment);
        try (ChronicleMap<byte[], byte[]> map = KilledFileRecovery.recover(builder(), torn.toFile())) {
            assertTrue(map.size() >= ENTRIES - 1, "at most the damaged entry is gone: " + map.size());
        }

        // Damage in a segment nobody was writing: not the kill's doing; the file is given up.
        Path damaged = killedMidWrite(dir.resolve("damaged"), locked);
        damageValue(damaged, otherSegment);
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> KilledFileRecovery.recover(builder(), damaged.toFile()).close());
        assertTrue(refused.getMessage().contains("no write in progress explains"), refused.getMessage());
    }
}
