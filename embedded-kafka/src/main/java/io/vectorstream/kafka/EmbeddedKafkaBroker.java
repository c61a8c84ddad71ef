package io.vectorstream.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft: broker and controller in one) inside this JVM, for local
 * runs and tests on machines without a container engine. Its log directory is formatted on first
 * use and reused afterwards, so the data survives restarts.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    /** Held by the process whose broker uses the data folder; Kafka ignores plain files there. */
    private static final String LOCK_FILE = "vectorstream-broker.lock";

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final FileLock dataLock;

    private EmbeddedKafkaBroker(final KafkaRaftServer server, final String bootstrapServers,
                                final FileLock dataLock) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.dataLock = dataLock;
    }

    /**
     * Starts a broker.
     *
     * @param dataDir where its log lives (created and formatted if new)
     * @param port    the client port on 127.0.0.1, or 0 for any free one
     */
    public static EmbeddedKafkaBroker start(final Path dataDir, final int port) {
        try {
            Files.createDirectories(dataDir);
            FileLock dataLock = lockDataDir(dataDir);
            int clientPort = port == 0 ? freePort() : requireFree(port, dataLock);
            int controllerPort = freePort();
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            props.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("log.dirs", dataDir.toAbsolutePath().toString());
            // One node: every internal topic has one replica, or clients wait forever for them.
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "3");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("transaction.state.log.num.partitions", "3");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            props.put("default.replication.factor", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("auto.create.topics.enable", "false");
            // Controlled shutdown moves partition leadership to other brokers; with one node there are
            // none, and the broker would wait minutes for it.
            props.put("controlled.shutdown.enable", "false");
            // A restarted node waits for its previous broker session to expire before it serves:
            // keep that short (default 9 s).
            props.put("broker.session.timeout.ms", "2000");
            props.put("broker.heartbeat.interval.ms", "500");
            // The cleaner's default dedupe buffer takes 128 MiB of heap.
            props.put("log.cleaner.dedupe.buffer.size", "2097152");
            KafkaRaftServer server;
            try {
                format(dataDir, props);
                server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
                server.startup();
            } catch (IOException | RuntimeException e) {
                dataLock.channel().close(); // or a retry in this JVM would find the folder "in use"
                throw e;
            }
            String bootstrap = "127.0.0.1:" + clientPort;
            LOG.info("embedded Kafka broker on {} with data in {}", bootstrap, dataDir.toAbsolutePath());
            return new EmbeddedKafkaBroker(server, bootstrap, dataLock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded Kafka broker in " + dataDir, e);
        }
    }

    private static void format(final Path dataDir, final Properties props) throws IOException {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return;
        }
        Path config = Files.createTempFile("vectorstream-kraft", ".properties");
        try {
            try (OutputStream out = Files.newOutputStream(config)) {
                props.store(out, "embedded broker");
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            int status = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c",
                config.toString()}, new PrintStream(output, true, StandardCharsets.UTF_8));
            if (status != 0) {
                throw new IllegalStateException("formatting " + dataDir + " failed: " + output.toString(StandardCharsets.UTF_8));
            }
        } catch (Exception e) {
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("formatting " + dataDir + " failed", e);
        } finally {
            Files.deleteIfExists(config);
        }
    }

    /**
     * Takes the data folder for this process: a second broker on the same log would not fail but
     * wait forever for locks the first one holds.
     */
    private static FileLock lockDataDir(final Path dataDir) throws IOException {
        FileChannel channel = FileChannel.open(dataDir.resolve(LOCK_FILE),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new InUseException("the Kafka data folder " + dataDir.toAbsolutePath() + " is used by a running "
                    + "broker (vectorstream dev or broker): stop it first, or give --kafka its address");
        }
        return lock;
    }

    private static int requireFree(final int port, final FileLock dataLock) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return port;
        } catch (IOException inUse) {
            dataLock.channel().close();
            throw new InUseException("port " + port + " on 127.0.0.1 is in use (another broker or vectorstream dev?); "
                    + "choose another with --kafka-port");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** The address clients connect to, {@code 127.0.0.1:PORT}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Stops the broker and waits until it has. */
    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        try {
            dataLock.channel().close();
        } catch (IOException e) {
            LOG.warn("cannot release the lock of the Kafka data folder", e);
        }
    }

    /** The data folder or the port is taken by another broker. */
    public static final class InUseException extends IllegalStateException {
        InUseException(final String message) {
            super(message);
        }
    }
}
