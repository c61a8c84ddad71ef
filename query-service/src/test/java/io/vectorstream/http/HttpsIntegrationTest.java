package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vectorstream.cli.QueryService;
import io.vectorstream.security.ApiKeyFile;
import io.vectorstream.security.TlsStores;
import io.vectorstream.testing.TestCertificates;
import io.vectorstream.util.Directories;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The service over HTTPS ({@code http.tls.*}): a client that trusts its certificate is answered, plain HTTP is not. */
@Tag("integration")
class HttpsIntegrationTest {

    @Test
    void theApiAnswersOverTlsOnly() throws Exception {
        TlsStores stores = new TlsStores(TestCertificates.selfSigned(Directories.temporary("https"), "service"),
                TestCertificates.PASSWORD, null, null);
        try (QueryService service = ServiceHarness.start(new QueryService.Security(ApiKeyFile.disabled(), false,
                stores, Set.of()))) {
            HttpClient client = HttpClient.newBuilder().sslContext(stores.clientContext())
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> libraries = client.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + service.port() + "/v1/libraries")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, libraries.statusCode(), libraries.body());
            assertEquals("{\"items\":[]}", libraries.body().replace(" ", ""));
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + service.port() + "/v1/libraries"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()));
        }
    }
}
