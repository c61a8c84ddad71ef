package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.cli.QueryService;
import io.vectorstream.util.Pause;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code /observe/metrics} over HTTP: Prometheus' text format, and the series the README lists
 * present and moving with traffic (requests by route and status, searches by index kind, events
 * applied, dead letters by reason, the shards' contents, the consumer lag, the JVM).
 */
@Tag("integration")
class MetricsIntegrationTest {

    private static final String SEARCH_ROUTE = "http_server_requests_seconds_count{method=\"POST\","
            + "route=\"/v1/libraries/{lib}/search\",status=\"200\"}";
    private static final String MISSING_LIBRARY = "http_server_requests_seconds_count{method=\"GET\","
            + "route=\"/v1/libraries/{lib}\",status=\"404\"}";
    private static final String FLAT_SEARCHES = "vectorstream_search_seconds_count{index=\"flat\",partial=\"false\"}";
    private static final String EVENTS = "vectorstream_events_applied_total";
    private static final String INVALID_EVENTS = "vectorstream_dead_letters_total{reason=\"invalid_event\"}";

    @Test
    void metricsArePrometheusTextAndMoveWithTraffic() throws Exception {
        try (QueryService service = ServiceHarness.start()) {
            ApiClient api = new ApiClient(service.port());
            Map<String, Double> before = scrape(service.port());
            assertTrue(before.containsKey(INVALID_EVENTS), "every dead-letter reason is a series from the start");

            assertEquals(201, api.post("/v1/libraries?wait=true",
                    "{\"id\": \"metered\", \"name\": \"m\", \"dimension\": 3}").status());
            assertEquals(201, api.put("/v1/libraries/metered/documents/d?wait=true", """
                    {"metadata": {}, "chunks": [{"id": "a", "embedding": [1, 0, 0]},
                                                {"id": "b", "embedding": [0, 1, 0]}]}""").status());
            for (int i = 0; i < 3; i++) {
                assertEquals(200, api.post("/v1/libraries/metered/search", "{\"vector\": [1, 0, 0], \"k\": 1}")
                        .status());
            }
            assertEquals(404, api.get("/v1/libraries/no-such-library").status());
            api.send(HttpRequest.newBuilder(api.uri("/v1/libraries")).method("FOO1", HttpRequest.BodyPublishers.noBody()),
                    null);
            Properties props = new Properties();
            props.put("bootstrap.servers", service.ingest().settings().bootstrapServers());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>(service.ingest().settings().topics().events(), "metered",
                        "{not json")).get();
            }

            Map<String, Double> after = scrape(service.port());
            for (int i = 0; i < 300 && delta(before, after, INVALID_EVENTS) < 1; i++) {
                Pause.millis(100, "the dead letter");
                after = scrape(service.port());
            }
            assertEquals(1.0, delta(before, after, INVALID_EVENTS), "the malformed event's dead letter");
            assertEquals(3.0, delta(before, after, SEARCH_ROUTE), "searches by route and status");
            assertEquals(1.0, delta(before, after, MISSING_LIBRARY), "routes by pattern, never by path");
            assertEquals(3.0, delta(before, after, FLAT_SEARCHES), "searches by index kind");
            assertTrue(delta(before, after, EVENTS) >= 2, "the library's and the document's events");
            assertEquals(2.0, sum(after, "vectorstream_library_chunks{library=\"metered\","), "chunks over the shards");
            assertEquals(1.0, sum(after, "vectorstream_library_documents{library=\"metered\","));
            assertTrue(sum(after, "vectorstream_index_memory_bytes{index=\"flat\",library=\"metered\",") > 0);
            String eventsTopic = service.ingest().settings().topics().events();
            assertTrue(after.keySet().stream().anyMatch(series -> series.startsWith("vectorstream_consumer_lag_records{")
                    && series.contains("topic=\"" + eventsTopic + "\"")), "the consumer lag of the events topic");
            assertTrue(after.keySet().stream().noneMatch(series -> series.startsWith("vectorstream_consumer_lag_records{")
                    && series.contains("topic=\"" + eventsTopic.replace('.', '_') + "\"")),
                    "the lag under Kafka's deprecated topic name is left out");
            assertTrue(after.keySet().stream().anyMatch(series -> series.startsWith("jvm_memory_used_bytes{")));
            assertTrue(after.keySet().stream().noneMatch(series -> series.contains("no-such-library")),
                    "no series per path");
            assertTrue(after.keySet().stream().noneMatch(series -> series.contains("FOO1"))
                    && after.keySet().stream().anyMatch(series -> series.contains("method=\"OTHER\"")),
                    "a method of the client's invention counts as OTHER, not as a series of its own");
        }
    }

    private static double delta(final Map<String, Double> before, final Map<String, Double> after,
                                final String series) {
        return after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0);
    }

    private static double sum(final Map<String, Double> scrape, final String prefix) {
        return scrape.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** Series to value, from the text format (help and type lines left out). */
    private static Map<String, Double> scrape(final int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/observe/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        Map<String, Double> series = new LinkedHashMap<>();
        for (String line : response.body().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return series;
    }
}
