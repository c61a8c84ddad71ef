package io.vectorstream.stream;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How every Kafka client of the product reaches the cluster: the bootstrap servers and the
 * settings every kind of client knows (security, SASL, TLS, timeouts), the same for Kafka Streams,
 * the API's producer, the admin clients and the command-line tools. They come from a Java
 * properties file in Kafka's own format ({@code kafka.client-properties}), the file Kafka's tools
 * take with {@code --command-config}.
 */
public final class KafkaClients {

    /**
     * The settings a producer, a consumer and an admin client all know: what a connection needs.
     * Not {@code client.id}: each client of the instance names itself, and one id for all of them
     * would merge their quotas and metrics.
     */
    private static final Set<String> COMMON = AdminClientConfig.configNames().stream()
            .filter(ProducerConfig.configNames()::contains).filter(ConsumerConfig.configNames()::contains)
            .filter(name -> !name.equals(CommonClientConfigs.CLIENT_ID_CONFIG))
            .collect(Collectors.toUnmodifiableSet());

    private KafkaClients() {
    }

    /**
     * The configuration of a plain client: {@code bootstrap} and those of {@code properties} that
     * every client knows (others, such as Kafka Streams' own, are left out).
     */
    public static Map<String, Object> config(final String bootstrap, final Map<String, ?> properties) {
        Map<String, Object> config = new HashMap<>();
        properties.forEach((name, value) -> {
            if (COMMON.contains(name)) {
                config.put(name, value);
            }
        });
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return config;
    }

    /**
     * The properties of a client-properties file.
     *
     * @throws IllegalArgumentException when the file does not exist, or names a setting that is
     *                                  not one every client knows (a typo would be ignored by Kafka)
     *                                  or the bootstrap servers (configured on their own)
     */
    public static Map<String, String> load(final Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read Kafka client properties " + file + ": " + e, e);
        }
        Map<String, String> loaded = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException(file + ": bootstrap.servers is set by kafka.bootstrap (--kafka),"
                        + " not in the client properties");
            }
            if (!COMMON.contains(name)) {
                throw new IllegalArgumentException(file + ": '" + name + "' is not a setting every Kafka client"
                        + " knows (security.protocol, sasl.*, ssl.*, client.dns.lookup, request.timeout.ms, ...)");
            }
            loaded.put(name, properties.getProperty(name));
        }
        return loaded;
    }
}
