package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.helidon.webserver.WebServer;
import io.vectorstream.cluster.ClusterSecret;
import io.vectorstream.security.ApiKeyFile;
import io.vectorstream.service.SearchAdmission;
import io.vectorstream.schema.SchemaValidator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** While the stream processor is not running, every API call answers 503 with a JSON error. */
class UnavailableApiTest {

    private static WebServer server;

    @BeforeAll
    static void start() {
        // No reader or writer: the gate must answer before anything reaches them.
        server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> ApiRouting.register(routing, null, null, null, () -> false,
                        new ApiRouting.Cluster(null, ClusterSecret.none(), () -> "CREATED"), ApiKeyFile.disabled(),
                        new SearchAdmission(1)))
                .build().start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void everyEndpointAnswers503WithRetryAfter() {
        ApiClient api = new ApiClient(server.port());
        for (ApiClient.Response response : new ApiClient.Response[] {
            api.get("/v1/libraries"),
            api.post("/v1/libraries", "{\"name\":\"n\",\"dimension\":2}"),
            api.post("/v1/libraries/x/search", "{\"vector\":[1,2]}"),
            api.delete("/v1/libraries/x/documents/y")}) {
            assertEquals(503, response.status(), response.body().toString());
            assertEquals("unavailable", response.errorCode());
            RestApiIntegrationTest.assertMatches(SchemaValidator.Schema.ERROR, response.body());
        }
    }
}
