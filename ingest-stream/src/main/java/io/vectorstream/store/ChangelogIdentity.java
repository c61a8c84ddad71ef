package io.vectorstream.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Which incarnation of its changelog topic a shard file belongs to: the topic's id, kept in
 * {@code shard.changelog-id} beside the file. {@code rebuild} deletes the changelog and creates it
 * again (with new offsets from 0) while other instances keep their files; their recorded offsets
 * then name positions in a topic that no longer exists, and the file must not be trusted.
 */
final class ChangelogIdentity {

    static final String FILE_NAME = "shard.changelog-id";

    private ChangelogIdentity() {
    }

    /** The id of the store's changelog topic now, or empty if it does not exist or cannot be read. */
    static Optional<String> current(final ShardKafka kafka) {
        String topic = kafka.changelog().topic();
        try {
            return Optional.of(kafka.admin().describeTopics(List.of(topic)).topicNameValues().get(topic)
                    .get(30, TimeUnit.SECONDS).topicId().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception doesNotExistOrNoAnswer) {
            return Optional.empty();
        }
    }

    /** The id recorded beside the shard file, if any. */
    static Optional<String> recorded(final Path dir) {
        try {
            Path file = dir.resolve(FILE_NAME);
            return Files.exists(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records {@code id} beside the shard file (atomically), or removes the record when empty. */
    static void record(final Path dir, final Optional<String> id) {
        try {
            Path file = dir.resolve(FILE_NAME);
            if (id.isEmpty()) {
                Files.deleteIfExists(file);
                return;
            }
            Path temporary = dir.resolve(FILE_NAME + ".tmp");
            Files.writeString(temporary, id.get(), StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the changelog id in " + dir, e);
        }
    }
}
