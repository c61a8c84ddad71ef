package io.vectorstream.store;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chronicle Map's recovery of a shard file whose process was killed, and which damage it may
 * report without the file being given up.
 *
 * <p>A kill can stop the store's single writer in the middle of one put: that segment's write (or
 * update) lock is still held, and the entry being written, the segment's counters and its hash
 * lookup may be half-updated. Recovery clears the lock, fixes the counters and drops or fixes that
 * entry, reporting each. The entry belongs to the record being applied, which comes after the
 * last one the file marks as applied ({@link ApplyProgress}), so after the committed input
 * offset: it is processed again ({@link UncleanReopen}) and writes that entry again. Damage
 * anywhere else (a segment nobody was writing, the file's global state) was not made by the kill:
 * the file is given up and the shard restored from its changelog. (Measured: a kill during a
 * 200k-event publication left "lock of segment 5 is not clear: [..., write locked = true, ...]"
 * and three more reports; treating any report as damage restored 98,229 records, 30 s.)
 */
final class KilledFileRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(KilledFileRecovery.class);

    private KilledFileRecovery() {
    }

    /** One report of the recovery, read while it is made (its message is built from the recovery's state). */
    private record Report(int segment, String message) {
        /** A lock left held by a writer (a reader's lock left behind is harmless: recovery clears it). */
        boolean heldForWriting() {
            return isLock() && (message.contains("write locked = true") || message.contains("update locked = true"));
        }

        boolean isLock() {
            return message.startsWith("lock of segment ");
        }
    }

    /** The recovered map; {@link IllegalStateException} when it reports damage the kill cannot explain. */
    static ChronicleMap<byte[], byte[]> recover(final ChronicleMapBuilder<byte[], byte[]> builder, final File file) {
        List<Report> reports = new ArrayList<>();
        ChronicleMap<byte[], byte[]> recovered;
        try {
            recovered = builder.recoverPersistedTo(file, false,
                    corruption -> reports.add(new Report(corruption.segmentIndex(), corruption.message())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot recover shard file " + file, e);
        }
        Set<Integer> writing = new HashSet<>();
        for (Report report : reports) {
            if (report.heldForWriting()) {
                writing.add(report.segment());
            }
        }
        List<String> unexplained = new ArrayList<>();
        for (Report report : reports) {
            boolean inTheWrite = report.segment() >= 0 && writing.size() == 1 && writing.contains(report.segment());
            if (!inTheWrite && !report.isLock()) {
                unexplained.add("segment " + report.segment() + ": " + report.message());
            }
        }
        if (!unexplained.isEmpty()) {
            recovered.close();
            throw new IllegalStateException("its recovery found " + unexplained.size() + " damaged entries or "
                    + "segments that no write in progress explains (" + writing.size() + " segments were being "
                    + "written), first: " + unexplained.getFirst());
        }
        if (!reports.isEmpty()) {
            LOG.info("shard file {}: its recovery repaired a write the kill interrupted in segment {} ({} reports, first: "
                    + "{}); the record being applied then is processed again", file, writing, reports.size(),
                    reports.getFirst().message());
        }
        return recovered;
    }
}
