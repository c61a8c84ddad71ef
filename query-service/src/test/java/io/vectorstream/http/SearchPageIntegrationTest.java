package io.vectorstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.cli.QueryService;
import io.vectorstream.security.ApiKeys;
import io.vectorstream.security.ApiKeys.Scope;
import io.vectorstream.util.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The search page at {@code /}, served by the whole service and run by headless Chromium: a search
 * given in the URL renders the API's ranking, an API error renders the API's message, a library
 * without a model is searched by vector, a document lists all its chunks (over several pages),
 * texts render as text, and with API keys the page still loads and asks for one. Screenshots,
 * desktop and phone, go to target/.
 */
@Tag("integration")
class SearchPageIntegrationTest {

    private static final String QUERY = "how do satellites stay up";
    /** More than one page of the page's listings (100), so that it must follow nextCursor. */
    private static final int MANY_CHUNKS = 120;
    private static final Path TARGET = Path.of("target");
    private static final Pattern HIT = Pattern.compile(
            "<li class=\"record hit\" data-rank=\"(\\d+)\" data-chunk-id=\"([^\"]*)\" data-document-id=\"([^\"]*)\"");
    private static final Pattern CHUNK = Pattern.compile("<li class=\"record chunk\" data-chunk-id=\"([^\"]*)\"");

    private static QueryService service;
    private static ApiClient api;
    private static HeadlessChromium chromium;

    @BeforeAll
    static void start() throws IOException {
        HeadlessChromium.require();
        chromium = new HeadlessChromium(Files.createDirectories(TARGET.resolve("search-page")));
        service = ServiceHarness.start();
        api = new ApiClient(service.port());
        expect(201, api.post("/v1/libraries?wait=true", """
                {"id": "sky", "name": "Sky and kitchen", "model": "all-minilm-l6-v2",
                 "metadataSchema": {"year": "number"}}"""));
        expect(201, api.put("/v1/libraries/sky/documents/space?wait=true", """
                {"metadata": {"topic": "space"}, "chunks": [
                  {"id": "orbits", "text": "A rocket reaches orbit by flying sideways so fast that it keeps falling around the Earth.", "metadata": {"year": 2020}},
                  {"id": "tides", "text": "The Moon's gravity raises the tides of Earth's oceans twice a day.", "metadata": {"year": 2019}},
                  {"id": "mars", "text": "Mars is a cold desert planet with the largest volcano in the solar system.", "metadata": {"year": 2021}}]}"""));
        expect(201, api.put("/v1/libraries/sky/documents/kitchen?wait=true", """
                {"metadata": {"topic": "kitchen"}, "chunks": [
                  {"id": "bread", "text": "Bread rises because yeast ferments sugars and releases carbon dioxide.", "metadata": {"year": 2018}},
                  {"id": "espresso", "text": "Espresso is brewed by forcing hot water through finely ground coffee.", "metadata": {"year": 2022}}]}"""));
        expect(201, api.put("/v1/libraries/sky/documents/markup?wait=true", """
                {"metadata": {}, "chunks": [
                  {"id": "tags", "text": "Tags like <img src=x onerror=alert(1)> and <b>bold</b> are shown as text."}]}"""));

        expect(201, api.post("/v1/libraries?wait=true", "{\"id\": \"plain\", \"name\": \"Vectors only\", \"dimension\": 3}"));
        StringBuilder chunks = new StringBuilder();
        for (int i = 0; i < MANY_CHUNKS; i++) {
            chunks.append(i == 0 ? "" : ",").append(String.format("{\"id\": \"c%03d\", \"embedding\": [1, %d, 0]}", i, i));
        }
        expect(201, api.put("/v1/libraries/plain/documents/many?wait=true", "{\"chunks\": [" + chunks + "]}"));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void theServiceServesThePageAndItsFilesOutsideTheApi() {
        HttpResponse<String> page = get(service.port(), "/", null, null);
        assertEquals(200, page.statusCode());
        assertTrue(contentType(page).startsWith("text/html"), contentType(page));
        assertTrue(page.body().contains("<script src=\"app.js\" defer></script>"), page.body());
        assertEquals("no-cache", page.headers().firstValue("Cache-Control").orElse(null));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));

        HttpResponse<String> script = get(service.port(), "/app.js", null, null);
        assertEquals(200, script.statusCode());
        assertTrue(contentType(script).startsWith("text/javascript"), contentType(script));
        assertTrue(script.body().contains("X-Api-Key"));
        HttpResponse<String> style = get(service.port(), "/style.css", null, null);
        assertEquals(200, style.statusCode());
        assertTrue(contentType(style).startsWith("text/css"), contentType(style));

        // Unchanged since the browser's copy: a 304 without a body (Helidon answers it by throwing),
        // not an error of the API. (Helidon compares with the file's time to the nanosecond, the
        // header's to the second: a copy a second newer than Last-Modified is surely current.)
        ZonedDateTime modified = ZonedDateTime.parse(script.headers().firstValue("Last-Modified").orElseThrow(),
                DateTimeFormatter.RFC_1123_DATE_TIME);
        HttpResponse<String> again = get(service.port(), "/app.js", "If-Modified-Since",
                DateTimeFormatter.RFC_1123_DATE_TIME.format(modified.plusSeconds(1)));
        assertEquals(304, again.statusCode(), again.headers() + again.body());
        assertEquals("", again.body());

        // The API keeps its paths and its JSON errors; an unknown file is a 404.
        ApiClient.Response unknownRoute = api.get("/v1/no-such-route");
        assertEquals(404, unknownRoute.status());
        assertEquals("not_found", unknownRoute.errorCode());
        assertEquals(404, get(service.port(), "/no-such-file.html", null, null).statusCode());
        // Metrics count the page's requests by route, not by path: no series per file asked for.
        String metrics = get(service.port(), "/observe/metrics", null, null).body();
        assertTrue(metrics.contains("http_server_requests_seconds_count{"), metrics);
        assertFalse(metrics.contains("no-such-file") || metrics.contains("app.js"), metrics);
    }

    @Test
    void aSearchInTheUrlShowsTheApisRankingNearestFirstOnADesktopAndOnAPhone() throws IOException {
        ApiClient.Response answer = api.post("/v1/libraries/sky/search",
                "{\"text\": \"" + QUERY + "\", \"k\": 3}");
        expect(200, answer);
        List<String> ranking = new ArrayList<>();
        answer.body().get("results").forEach(hit -> ranking.add(hit.get("chunkId").asText()));
        assertEquals("orbits", ranking.get(0), "the nearest by meaning");
        URI url = page("library=sky&q=" + encode(QUERY) + "&k=3");

        for (int[] screen : new int[][] {{1280, 800}, {390, 844}}) {
            String dom = chromium.dom(url, screen[0], screen[1]);
            assertEquals(ranking, hits(dom), "the page shows the API's ranking at " + screen[0] + " px:\n" + dom);
            assertTrue(dom.contains("data-rank=\"1\" data-chunk-id=\"orbits\" data-document-id=\"space\""), dom);
            assertTrue(dom.contains("A rocket reaches orbit by flying sideways"), dom);
            assertTrue(dom.contains("<dt>year</dt><dd>2020</dd>"), "the chunk's metadata:\n" + dom);
            assertTrue(dom.contains("strategy " + answer.body().get("strategy").asText()), dom);
            assertTrue(dom.contains("model all-minilm-l6-v2"), "what the library is:\n" + dom);
            assertTrue(dom.contains("href=\"?library=sky&amp;q=how+do+satellites+stay+up&amp;k=3&amp;document=space\""),
                    "a document id opens the document's chunks:\n" + dom);
        }
        Path desktop = TARGET.resolve("search-page.png");
        Path phone = TARGET.resolve("search-page-phone.png");
        chromium.screenshot(url, 1280, 800, desktop);
        chromium.screenshot(url, 390, 844, phone);
        assertTrue(Files.size(desktop) > 10_000 && Files.size(phone) > 10_000, "screenshots with content");
    }

    @Test
    void anErrorOfTheApiIsShownWithItsMessageAndField() {
        String filter = "{\"year\": {\"$near\": 1}}";
        ApiClient.Response refused = api.post("/v1/libraries/sky/search",
                "{\"text\": \"" + QUERY + "\", \"filter\": " + filter + "}");
        assertEquals(400, refused.status());
        String message = refused.body().get("error").get("message").asText();

        URI url = page("library=sky&q=" + encode(QUERY) + "&filter=" + encode(filter));
        String dom = chromium.dom(url, 1280, 800);
        assertTrue(dom.contains("<p class=\"error-message\">" + html(message) + "</p>"), message + " in:\n" + dom);
        assertTrue(dom.contains("<code>filter.year.$near</code>"), "the field:\n" + dom);
        assertTrue(dom.contains("id=\"filter\" name=\"filter\"") && dom.contains("aria-invalid=\"true\""),
                "the filter is marked:\n" + dom);
        assertEquals(List.of(), hits(dom));
        chromium.screenshot(url, 390, 844, TARGET.resolve("search-page-error-phone.png"));
    }

    @Test
    void aFilterThatIsNotJsonIsRefusedOnThePage() {
        String dom = chromium.dom(page("library=sky&q=" + encode(QUERY) + "&filter=" + encode("{year: 2020")), 1280, 800);
        assertTrue(dom.contains("The filter is not valid JSON"), dom);
        assertTrue(dom.contains("<div id=\"error\" class=\"panel error\" role=\"alert\" hidden=\"\">"),
                "nothing was sent, so the API has no error to show:\n" + dom);
        assertEquals(List.of(), hits(dom));
    }

    @Test
    void aLibraryWithoutAModelIsSearchedByVectorAndADocumentListsEveryChunk() {
        String dom = chromium.dom(page("library=plain&vector=" + encode("[1, 0, 0]") + "&k=2&document=many"),
                1280, 800);
        assertTrue(dom.contains("Without a model it is searched by a vector of 3 numbers."), dom);
        assertTrue(Pattern.compile("<input type=\"radio\" name=\"by\" value=\"text\"[^>]* disabled=\"\"")
                .matcher(dom).find(), "no search by text:\n" + dom);
        assertEquals(List.of("c000", "c001"), hits(dom));
        List<String> chunks = new ArrayList<>();
        Matcher chunk = CHUNK.matcher(dom);
        while (chunk.find()) {
            chunks.add(chunk.group(1));
        }
        assertEquals(MANY_CHUNKS, chunks.size(), "every chunk, over two pages of the listing:\n" + dom);
        assertEquals("c119", chunks.get(MANY_CHUNKS - 1));
        assertTrue(dom.contains("120 chunks in library plain"), dom);
    }

    @Test
    void textsAreShownAsTextNeverAsMarkup() {
        String dom = chromium.dom(page("library=sky&document=markup"), 1280, 800);
        assertTrue(dom.contains("Tags like &lt;img src=x onerror=alert(1)&gt; and &lt;b&gt;bold&lt;/b&gt; are shown"), dom);
        assertFalse(dom.contains("<img src=\"x\""), dom);
        assertFalse(dom.contains("<b>bold</b>"), dom);
    }

    @Test
    void withApiKeysThePageLoadsWithoutOneAndAsksForIt() throws IOException {
        Path file = Directories.temporary("search-page-keys").resolve("api-keys.json");
        ApiKeys.none().with(ApiKeys.none().create("reader", Scope.READ, Set.of()).key()).write(file);
        try (QueryService keyed = ServiceHarness.startWithKeys(file)) {
            assertEquals(200, get(keyed.port(), "/", null, null).statusCode(), "the page needs no key");
            ApiClient.Response refused = new ApiClient(keyed.port()).get("/v1/libraries");
            assertEquals(401, refused.status());

            String dom = chromium.dom(URI.create("http://127.0.0.1:" + keyed.port() + "/"), 1280, 800);
            assertTrue(dom.contains("<form id=\"key-form\" class=\"panel\">"), "the key form is shown:\n" + dom);
            assertTrue(dom.contains(html(refused.body().get("error").get("message").asText())),
                    "with the API's message:\n" + dom);
        }
    }

    private static URI page(final String query) {
        return api.uri("/?" + query);
    }

    /** The chunk ids of the rendered hits, in rank order. */
    private static List<String> hits(final String dom) {
        List<String> ids = new ArrayList<>();
        Matcher hit = HIT.matcher(dom);
        while (hit.find()) {
            assertEquals(ids.size() + 1, Integer.parseInt(hit.group(1)), "ranks in order");
            ids.add(hit.group(2));
        }
        return ids;
    }

    private static HttpResponse<String> get(final int port, final String path, final String header, final String value) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).GET();
        if (header != null) {
            request.header(header, value);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String contentType(final HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    private static void expect(final int status, final ApiClient.Response response) {
        assertEquals(status, response.status(), response.body().toString());
    }

    private static String encode(final String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Text as Chromium serialises it inside an element. */
    private static String html(final String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
