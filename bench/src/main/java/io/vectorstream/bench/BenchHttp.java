package io.vectorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.schema.Json;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The benchmarks' calls of a service's HTTP API where speed does not matter: set-up, waits, checks. */
final class BenchHttp {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** The answer, or {@code null} when there is none (not listening yet, timed out, interrupted). */
    HttpResponse<String> send(final HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A 200's JSON body; {@code null} for anything else. */
    static JsonNode json(final HttpResponse<String> response) {
        if (response == null || response.statusCode() != 200) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            return null;
        }
    }
}
