package io.vectorstream.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Folders the process makes for itself: temporary ones removed at exit, and deleting a tree. */
public final class Directories {

    private Directories() {
    }

    /**
     * A new folder under the system's temporary folder, deleted with its contents when the JVM
     * exits normally. State stores, brokers and caches put hundreds of megabytes there (Chronicle
     * Map allocates its files up front), so leaving them behind fills a disk quickly.
     */
    public static Path temporary(final String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir), "delete-" + dir.getFileName()));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a folder and everything in it; a missing folder is fine. */
    public static void deleteRecursively(final Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** {@link #deleteRecursively}, for clean-up paths where a failure must not hide the real outcome. */
    public static void deleteQuietly(final Path dir) {
        try {
            deleteRecursively(dir);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
