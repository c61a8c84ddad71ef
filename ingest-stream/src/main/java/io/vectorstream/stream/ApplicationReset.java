package io.vectorstream.stream;

import io.vectorstream.util.Directories;
import io.vectorstream.util.Pause;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Resets the application so that its next start replays {@code vectorstream.events} from the
 * beginning into empty state, as Kafka's streams application reset tool does:
 * <ol>
 *   <li>refuses while the application's consumer group has members (an instance still running),
 *       except members a killed process on this data folder left behind, which it removes;</li>
 *   <li>deletes the consumer group, so every input is read again from its earliest offset;</li>
 *   <li>deletes the derived topics: the chunks topic and the application's changelog and
 *       repartition topics, and waits until the broker has removed them; the chunks topic is then
 *       created again with the partition count it had, so the shards keep their number;</li>
 *   <li>deletes the task folders of the local state, keeping the folder's process id: Kafka
 *       Streams derives its transactional ids from it, and the same id fences a transaction a
 *       killed instance left open.</li>
 * </ol>
 * The events topic is never touched; the embedding cache (outside the state folder) is kept, so
 * a replay does not embed known texts again. Every step may be repeated: a reset interrupted
 * half-way is completed by running it again.
 */
public final class ApplicationReset {

    private static final long TIMEOUT_SECONDS = 60;

    private ApplicationReset() {
    }

    /**
     * Resets the application of {@code settings}.
     *
     * @param progress receives one line per step
     * @throws StillRunningException if an instance of the application is a member of its group
     */
    public static void reset(final Admin admin, final IngestStreams.Settings settings, final Consumer<String> progress) {
        String applicationId = settings.applicationId();
        requireNoMembers(admin, settings, progress);
        Topics topics = settings.topics();
        Set<String> existing = AdminCalls.get("list topics", () -> admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        requireWholeEventLog(admin, settings, existing);
        // A rerun after a kill between deleting and creating the chunks topic: as many shards as
        // the events topic has partitions, which is what they were created with.
        int shards = topics.shardCount(admin, existing.contains(topics.chunks()) ? topics.chunks() : topics.events());

        deleteGroup(admin, applicationId);
        progress.accept("deleted the committed offsets of consumer group '" + applicationId + "'");

        List<String> derived = new ArrayList<>();
        for (String topic : existing) {
            if (topic.equals(topics.chunks()) || isInternalTopicOf(applicationId, topic)) {
                derived.add(topic);
            }
        }
        deleteTopics(admin, derived);
        progress.accept("deleted " + derived.size() + " derived topics " + derived);
        topics.ensureExist(admin, shards, IngestStreams.replication(admin, settings.replicationFactor()));
        progress.accept("created " + topics.chunks() + " again with " + shards + " partitions");

        Path state = settings.stateDir().resolve(applicationId);
        int removed = deleteTaskFolders(state);
        progress.accept("removed " + removed + " task folders of local state under " + state);
    }

    /**
     * The changelogs Kafka Streams made for this application's stores: exactly those names, not
     * every topic that starts with the id (another application's id may start with this one's).
     */
    static boolean isInternalTopicOf(final String applicationId, final String topic) {
        return VectorstreamTopology.STORES.stream().anyMatch(store -> topic.equals(applicationId + "-" + store
                + "-changelog"));
    }

    /**
     * Checks that no instance of the application runs. Members left by a killed process on this
     * data folder (static members with this folder's instance id, while no live process holds
     * the folder's lock) are removed instead: otherwise a rerun after a kill would be refused until
     * their session times out.
     *
     * @throws StillRunningException naming the members that remain
     */
    static void requireNoMembers(final Admin admin, final IngestStreams.Settings settings,
                                 final Consumer<String> progress) {
        String applicationId = settings.applicationId();
        List<MemberDescription> members = new ArrayList<>(members(admin, applicationId));
        String own = IngestStreams.staticMemberId(settings.stateDir()) + "-";
        List<MemberDescription> left = members.stream()
                .filter(m -> m.groupInstanceId().filter(id -> id.startsWith(own)).isPresent()).toList();
        if (!left.isEmpty() && !inUse(settings.stateDir().resolve(applicationId))) {
            try {
                admin.removeMembersFromConsumerGroup(applicationId, new RemoveMembersFromConsumerGroupOptions(
                        left.stream().map(m -> new MemberToRemove(m.groupInstanceId().orElseThrow())).toList()))
                        .all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("cannot remove the members a killed process left in " + applicationId
                        + ": " + e.getMessage(), e);
            }
            progress.accept("removed " + left.size() + " members a killed process on this data folder left in the group");
            members.removeAll(left);
        }
        if (!members.isEmpty()) {
            throw new StillRunningException(applicationId, members);
        }
    }

    /** Whether a live process holds Kafka Streams' lock on the application's state folder. */
    private static boolean inUse(final Path applicationState) {
        Path lockFile = applicationState.resolve(".lock");
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile,
                StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException sameProcess) {
            return true;
        } catch (IOException e) {
            return true;
        }
    }

    private static Collection<MemberDescription> members(final Admin admin, final String applicationId) {
        ConsumerGroupDescription group;
        try {
            group = AdminCalls.get("describe consumer group " + applicationId, () -> admin
                    .describeConsumerGroups(List.of(applicationId)).describedGroups().get(applicationId)
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof ExecutionException ee && ee.getCause() instanceof GroupIdNotFoundException) {
                return List.of();
            }
            throw e;
        }
        return group.members();
    }

    private static void deleteGroup(final Admin admin, final String applicationId) {
        try {
            admin.deleteConsumerGroups(List.of(applicationId)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupNotEmptyException) {
                // An instance joined between the check and the deletion.
                throw new StillRunningException(applicationId, members(admin, applicationId));
            }
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                throw new IllegalStateException("cannot delete consumer group " + applicationId + ": " + e.getMessage(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot delete consumer group " + applicationId + ": " + e, e);
        }
    }

    /** Deletes the topics and waits until the broker no longer lists them, so they can be created again. */
    private static void deleteTopics(final Admin admin, final List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        try {
            admin.deleteTopics(names).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw new IllegalStateException("cannot delete topics " + names + ": " + e.getMessage(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot delete topics " + names + ": " + e, e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            Set<String> left = AdminCalls.get("list topics", () -> admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            if (names.stream().noneMatch(left::contains)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics still exist " + TIMEOUT_SECONDS + " s after their deletion: "
                        + names.stream().filter(left::contains).toList());
            }
            Pause.millis(100, "the deletion of " + names);
        }
    }

    /** Deletes the sub-folders (tasks) of the application's state folder; files stay. */
    private static int deleteTaskFolders(final Path state) {
        if (!Files.isDirectory(state)) {
            return 0;
        }
        try (Stream<Path> children = Files.list(state)) {
            List<Path> folders = children.filter(Files::isDirectory).toList();
            for (Path folder : folders) {
                Directories.deleteRecursively(folder);
            }
            return folders.size();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the local state under " + state, e);
        }
    }

    /**
     * A reset deletes the changelogs and the chunks topic, which hold what the events built: it
     * goes ahead only if the events topic can build it all again, that is if it exists, keeps
     * every event (no retention limit, not compacted) and still starts at offset 0 everywhere.
     *
     * @throws RefusedException or {@link Topics.MisconfiguredException}, before anything is deleted
     */
    static void requireWholeEventLog(final Admin admin, final IngestStreams.Settings settings,
                                     final Set<String> existing) {
        Topics topics = settings.topics();
        if (!existing.contains(topics.events())) {
            throw new RefusedException("the events topic " + topics.events() + " does not exist on "
                    + settings.bootstrapServers() + ": there is nothing to rebuild from (is this the right cluster?)");
        }
        topics.verifyEventRetention(admin, settings.bootstrapServers());
        int partitions = topics.shardCount(admin, topics.events());
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            earliest.put(new TopicPartition(topics.events(), p), OffsetSpec.earliest());
        }
        var offsets = AdminCalls.get("list the events topic's first offsets",
                () -> admin.listOffsets(earliest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        List<String> truncated = offsets.entrySet().stream().filter(e -> e.getValue().offset() > 0)
                .map(e -> "partition " + e.getKey().partition() + " starts at offset " + e.getValue().offset())
                .sorted().toList();
        if (!truncated.isEmpty()) {
            throw new RefusedException("the events topic " + topics.events() + " no longer holds every event ("
                    + String.join(", ", truncated) + "): a replay could not build everything again, and the "
                    + "changelogs a reset deletes are the only copy of what the missing events built. Nothing was "
                    + "changed.");
        }
    }

    /** A reset that would lose data, or has nothing to rebuild from: refused before anything changed. */
    public static final class RefusedException extends IllegalStateException {
        RefusedException(final String message) {
            super(message);
        }
    }

    /** An instance of the application is still running: resetting under it would corrupt its state. */
    public static final class StillRunningException extends IllegalStateException {
        StillRunningException(final String applicationId, final Collection<MemberDescription> members) {
            super("instances of application '" + applicationId + "' are still running (" + members.size()
                    + " members of its consumer group: " + members.stream()
                    .map(m -> m.clientId() + " at " + m.host()).distinct().toList()
                    + "). Stop them first; a killed instance leaves the group once its session times out "
                    + "(45 s by default).");
        }
    }
}
