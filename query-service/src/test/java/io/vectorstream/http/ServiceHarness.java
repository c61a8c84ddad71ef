package io.vectorstream.http;

import io.vectorstream.cli.QueryService;
import io.vectorstream.embed.Models;
import io.vectorstream.embed.TestModel;
import io.vectorstream.security.ApiKeyFile;
import io.vectorstream.store.ShardStoreOptions;
import io.vectorstream.stream.IngestStreams;
import io.vectorstream.stream.Topics;
import io.vectorstream.testing.KafkaFixture;
import io.vectorstream.util.Directories;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/** The whole service (stream processor + HTTP) on the shared test broker, with topics of its own. */
final class ServiceHarness {

    private ServiceHarness() {
    }

    static QueryService start() {
        QueryService service = start(0);
        service.awaitReady(Duration.ofSeconds(60));
        return service;
    }

    /** Started and ready, its API and its metrics guarded by the keys in {@code apiKeys}. */
    static QueryService startWithKeys(final Path apiKeys) {
        return start(new QueryService.Security(new ApiKeyFile(apiKeys), true, null, Set.of()));
    }

    /** Started and ready, with {@code security}. */
    static QueryService start(final QueryService.Security security) {
        return start(QueryService.Http.of("127.0.0.1", 0).withSecurity(security));
    }

    /** Started and ready, with {@code http}. */
    static QueryService start(final QueryService.Http http) {
        QueryService service = QueryService.start(settings(), http);
        service.awaitReady(Duration.ofSeconds(60));
        return service;
    }

    /** Started, not yet ready, with HTTP on {@code port} (0: any free one). */
    static QueryService start(final int port) {
        return QueryService.start(settings(), "127.0.0.1", port);
    }

    private static IngestStreams.Settings settings() {
        String name = KafkaFixture.uniqueName("service");
        Path dataDir = Directories.temporary("vectorstream-service");
        Models models = new Models(TestModel.dir().getParent(), dataDir.resolve("embedding-cache"), 10_000);
        IngestStreams.Settings settings = IngestStreams.Settings.of(KafkaFixture.bootstrapServers(),
                        dataDir.resolve("streams"), "127.0.0.1:0")
                .withModels(models)
                .withTopics(new Topics(name + ".events", name + ".chunks", name + ".events.dlq"))
                .withApplicationId(name)
                .withStoreOptions(ShardStoreOptions.SMALL);
        return settings;
    }
}
