package io.vectorstream.security;

import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * The keys file a service checks requests against, read again when it changes (looked at no more
 * than once a second): {@code api-key create} and {@code revoke} take effect without a restart.
 * A file that cannot be read keeps the keys read last; none read yet means every request is refused,
 * never that the API is open.
 */
public final class ApiKeyFile {

    private static final long LOOK_EVERY_NANOS = 1_000_000_000L;

    private final Path file;
    private volatile ApiKeys keys;
    private volatile FileTime readAt;
    private volatile long lookedAt;

    /** Reads {@code file} now; a missing file means no keys, an unreadable one stops the start. */
    public ApiKeyFile(final Path file) {
        this.file = file;
        this.readAt = file == null ? null : ApiKeys.modified(file);
        this.keys = file == null ? ApiKeys.none() : ApiKeys.read(file);
        this.lookedAt = System.nanoTime();
    }

    /** No file: no keys, the API open (tests and embedded uses of the service). */
    public static ApiKeyFile disabled() {
        return new ApiKeyFile(null);
    }

    /** The file, or null when {@link #disabled}. */
    public Path path() {
        return file;
    }

    /** The keys as the file has them now. */
    public ApiKeys current() {
        if (file == null) {
            return keys;
        }
        long now = System.nanoTime();
        if (now - lookedAt >= LOOK_EVERY_NANOS) {
            lookedAt = now;
            FileTime modified = ApiKeys.modified(file);
            if (!Objects.equals(modified, readAt)) {
                try {
                    keys = ApiKeys.read(file);
                    readAt = modified;
                } catch (RuntimeException e) {
                    // Half written by hand, or removed: the keys read last stay until it reads again.
                }
            }
        }
        return keys;
    }
}
