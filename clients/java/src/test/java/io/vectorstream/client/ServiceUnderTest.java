package io.vectorstream.client;

import io.vectorstream.cli.QueryService;
import io.vectorstream.embed.Models;
import io.vectorstream.embed.TestModel;
import io.vectorstream.security.ApiKeyFile;
import io.vectorstream.security.ApiKeys;
import io.vectorstream.store.ShardStoreOptions;
import io.vectorstream.stream.IngestStreams;
import io.vectorstream.stream.Topics;
import io.vectorstream.testing.KafkaFixture;
import io.vectorstream.util.Directories;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The whole service in-process (stream processor, the test model, HTTP) on the shared test broker,
 * with topics of its own and two API keys, an admin and a read one: what the clients' and the
 * tools' tests talk to. Shared with the tools module's tests through this module's test jar.
 *
 * @param url      where its HTTP API answers
 * @param topics   its topics (events, chunks, dead letters)
 * @param adminKey the secret of its admin key
 * @param readKey  the secret of its read key, named {@code java-read}
 */
public record ServiceUnderTest(QueryService service, URI url, Topics topics, String adminKey, String readKey)
        implements AutoCloseable {

    /** Started and ready. */
    public static ServiceUnderTest start() {
        String name = KafkaFixture.uniqueName("client");
        Path dataDir = Directories.temporary("vectorstream-client");
        Topics topics = new Topics(name + ".events", name + ".chunks", name + ".events.dlq");
        ApiKeys.Created admin = ApiKeys.none().create("java-admin", ApiKeys.Scope.ADMIN, Set.of());
        ApiKeys.Created read = ApiKeys.none().create("java-read", ApiKeys.Scope.READ, Set.of());
        Path keys = dataDir.resolve("api-keys.json");
        ApiKeys.none().with(admin.key()).with(read.key()).write(keys);
        IngestStreams.Settings settings = IngestStreams.Settings.of(KafkaFixture.bootstrapServers(),
                        dataDir.resolve("streams"), "127.0.0.1:0")
                .withModels(new Models(TestModel.dir().getParent(), dataDir.resolve("embedding-cache"), 10_000))
                .withTopics(topics)
                .withApplicationId(name)
                .withStoreOptions(ShardStoreOptions.SMALL);
        QueryService service = QueryService.start(settings, QueryService.Http.of("127.0.0.1", 0)
                .withSecurity(new QueryService.Security(new ApiKeyFile(keys), true, null, Set.of())));
        service.awaitReady(Duration.ofSeconds(60));
        return new ServiceUnderTest(service, URI.create("http://127.0.0.1:" + service.port()), topics,
                admin.secret(), read.secret());
    }

    /** A client with the admin key. */
    public VectorStreamClient admin() {
        return VectorStreamClient.builder(url).apiKey(adminKey).build();
    }

    /** The broker the service reads its events from. */
    public String bootstrapServers() {
        return KafkaFixture.bootstrapServers();
    }

    @Override
    public void close() {
        service.close();
    }
}
