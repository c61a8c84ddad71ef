package io.vectorstream.store;

import io.vectorstream.index.IvfIndex;
import io.vectorstream.index.IvfParams;
import io.vectorstream.record.LibraryRecord;
import io.vectorstream.util.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IVF trainings of one shard's libraries, one file each in a folder beside the shard file
 * ({@code ivf/<library id>.ivf}), so that a reopened shard indexes its vectors with the centroids
 * it had instead of running k-means again: it answers searches as before the restart, and takes
 * one assignment pass instead of a training.
 *
 * <p>A training is derived state, like the in-memory index: any training indexes every vector
 * correctly (one only places vectors better than another), so a file that is missing, torn,
 * damaged or made for another index of the library is ignored and the index trains as it would
 * have. A file names the library, its dimension, metric and resolved index parameters, and ends
 * with a checksum; it is written to a temporary file and renamed over the old one.
 */
final class IvfTrainings {

    private static final Logger LOG = LoggerFactory.getLogger(IvfTrainings.class);
    static final String FOLDER = "ivf";
    private static final int MAGIC = 0x56534956; // "VSIV"

    private final Path dir;

    /** @param shardDir the shard store's folder */
    IvfTrainings(final Path shardDir) {
        this.dir = shardDir.resolve(FOLDER);
    }

    /** The training kept for this library's index with these parameters, if there is a readable one made for it. */
    Optional<IvfIndex.Training> read(final LibraryRecord library, final IvfParams params) {
        Path file = fileOf(library.id());
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer in = ByteBuffer.wrap(bytes);
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, Math.max(0, bytes.length - Long.BYTES));
            if (bytes.length < 2 * Long.BYTES || in.getInt() != MAGIC
                    || in.getLong(bytes.length - Long.BYTES) != crc.getValue()) {
                LOG.warn("IVF training {} is damaged; the index of library '{}' trains again", file, library.id());
                return Optional.empty();
            }
            in.limit(in.limit() - Long.BYTES);
            if (!header(library, params).equals(string(in))) {
                delete(library.id()); // made for another index of this library: it trains afresh
                return Optional.empty();
            }
            byte[] training = new byte[in.remaining()];
            in.get(training);
            IvfIndex.Training decoded = IvfIndex.Training.decode(training);
            return decoded.dimension() == library.dimension() ? Optional.of(decoded) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warn("IVF training {} cannot be read ({}); the index of library '{}' trains again", file, e.toString(),
                    library.id());
            return Optional.empty();
        }
    }

    /**
     * Keeps this library's training, replacing the one before. A failure is logged, not thrown:
     * the record being applied is in the store either way, and the next open would only train.
     */
    void write(final LibraryRecord library, final IvfParams params, final IvfIndex.Training training) {
        Path file = fileOf(library.id());
        Path temporary = dir.resolve(file.getFileName() + ".tmp");
        try {
            byte[] header = header(library, params).getBytes(StandardCharsets.UTF_8);
            byte[] body = training.encode();
            ByteBuffer out = ByteBuffer.allocate(Integer.BYTES * 2 + header.length + body.length + Long.BYTES);
            out.putInt(MAGIC).putInt(header.length).put(header).put(body);
            CRC32C crc = new CRC32C();
            crc.update(out.array(), 0, out.position());
            out.putLong(crc.getValue());
            Files.createDirectories(dir);
            Files.write(temporary, out.array());
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot keep the IVF training of library '{}' in {} ({}); after a restart it trains again",
                    library.id(), file, e.toString());
            try {
                Files.deleteIfExists(temporary);
                Files.deleteIfExists(file); // an older training must not stand in for this one
            } catch (IOException ignored) {
                // nothing more to do: a file that stays is still checked when read
            }
        }
    }

    /** Forgets a library's training (the library is gone, or its index is no longer IVF). */
    void delete(final String libraryId) {
        try {
            Files.deleteIfExists(fileOf(libraryId));
        } catch (IOException e) {
            LOG.warn("cannot delete the IVF training of library '{}': {}", libraryId, e.toString());
        }
    }

    /** Forgets every training of the shard in {@code shardDir}: its records are gone. */
    static void deleteAll(final Path shardDir) {
        try {
            Directories.deleteRecursively(shardDir.resolve(FOLDER));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + shardDir.resolve(FOLDER), e);
        }
    }

    /** Library ids are letters, digits and {@code . _ ~ : -}, starting with a letter or digit: safe file names. */
    private Path fileOf(final String libraryId) {
        return dir.resolve(libraryId + ".ivf");
    }

    /**
     * What the training was made for: a training of another index of the library is not used, nor
     * one made under other defaults (the parameters are the resolved ones, not the library's spec).
     */
    private static String header(final LibraryRecord library, final IvfParams params) {
        return library.id() + "\n" + library.dimension() + "\n" + library.metric().wireName() + "\n" + params;
    }

    private static String string(final ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("bad header length " + length);
        }
        String s = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }
}
