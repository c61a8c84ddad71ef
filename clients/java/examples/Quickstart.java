import io.vectorstream.client.ChunkRequest;
import io.vectorstream.client.DocumentRequest;
import io.vectorstream.client.LibraryRequest;
import io.vectorstream.client.SearchRequest;
import io.vectorstream.client.SearchResponse;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.client.VectorStreamException;
import java.net.URI;
import java.util.List;
import java.util.Map;

/** A library with a model, a document of three chunks, a search by text, a filter, a count and an error. */
public class Quickstart {
    public static void main(String[] args) {
        VectorStreamClient client = VectorStreamClient.builder(URI.create(args.length > 0 ? args[0] : "http://localhost:8080"))
                .apiKey(System.getenv("VECTORSTREAM_API_KEY")).build();
        try {
            client.deleteLibrary("trips", true); // a fresh start for the example
        } catch (VectorStreamException.NotFound firstRun) {
            // nothing to delete
        }
        client.createLibrary(LibraryRequest.withModel("trips", "Trips", "all-minilm-l6-v2"), false);
        client.putDocument("trips", "vienna", DocumentRequest.of(Map.of("title", "Vienna"), List.of(
                ChunkRequest.text("train", "The night train to Vienna leaves at 22:40 from platform 4.")
                        .withMetadata(Map.of("day", 1)),
                ChunkRequest.text("hotel", "The hotel is booked for three nights, breakfast included.")
                        .withMetadata(Map.of("day", 1)),
                ChunkRequest.text("museum", "Buy museum tickets online to skip the queue.")
                        .withMetadata(Map.of("day", 2)))), false);
        // No token handling: the client's calls wait for its own writes.
        for (SearchResponse.Hit hit : client.search("trips", SearchRequest.text("when does my train depart").k(2)).results()) {
            System.out.printf("%.3f  %-7s %s%n", hit.score(), hit.chunkId(), hit.text());
        }
        SearchResponse filtered = client.search("trips", SearchRequest.text("sightseeing").k(2)
                .filter(Map.of("day", Map.of("$gte", 2))));
        System.out.println(filtered.strategy() + " " + filtered.results().stream().map(SearchResponse.Hit::chunkId).toList());
        System.out.println("chunks on day 1: " + client.count("trips", Map.of("day", 1)));
        try {
            client.search("trips", SearchRequest.vector(0.1f, 0.2f));
        } catch (VectorStreamException.BadRequest e) {
            System.out.println(e.status() + " " + e.code() + " " + e.field() + " - " + e.serviceMessage());
        }
    }
}
