package io.vectorstream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.schema.Json;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.WriteService;
import java.time.Duration;

/**
 * The example library a fresh local run starts with: colours as 3-dimensional RGB vectors under
 * cosine, so that searching for a colour finds its neighbours. Written through the same path as
 * any API call.
 */
final class ExampleData {

    static final String LIBRARY_ID = "example";

    private static final Object[][] COLOURS = {
        {"red", "Red, the colour of fire and ripe tomatoes.", new float[] {1f, 0f, 0f}},
        {"orange", "Orange, between red and yellow, like the fruit.", new float[] {1f, 0.5f, 0f}},
        {"yellow", "Yellow, the colour of lemons and sunflowers.", new float[] {1f, 1f, 0f}},
        {"green", "Green, the colour of grass and leaves.", new float[] {0f, 1f, 0f}},
        {"teal", "Teal, a dark blue-green.", new float[] {0f, 0.5f, 0.5f}},
        {"blue", "Blue, the colour of a clear sky.", new float[] {0f, 0f, 1f}},
        {"purple", "Purple, a mix of red and blue.", new float[] {0.5f, 0f, 0.5f}},
    };

    private ExampleData() {
    }

    /** Creates the example library unless the store holds any library; returns whether it did. */
    static boolean seedIfEmpty(final ShardReader reader, final WriteService writes) {
        if (!reader.libraries(null, 1).items().isEmpty()) {
            return false;
        }
        ObjectNode library = Json.MAPPER.createObjectNode();
        library.put("id", LIBRARY_ID);
        library.put("name", "Example: colours as RGB vectors");
        library.put("dimension", 3);
        library.put("metric", "cosine");
        library.putObject("metadata").put("source", "vectorstream dev");
        reader.awaitApplied(writes.createLibrary(library).token(), Duration.ofSeconds(30));

        ObjectNode document = Json.MAPPER.createObjectNode();
        document.putObject("metadata").put("title", "Colours");
        ArrayNode chunks = document.putArray("chunks");
        for (Object[] colour : COLOURS) {
            ObjectNode chunk = chunks.addObject();
            chunk.put("id", (String) colour[0]);
            chunk.put("text", (String) colour[1]);
            ArrayNode embedding = chunk.putArray("embedding");
            for (float v : (float[]) colour[2]) {
                embedding.add(v);
            }
            chunk.putObject("metadata").put("family", ((float[]) colour[2])[2] > 0 ? "cool" : "warm");
        }
        reader.awaitApplied(writes.putDocument(LIBRARY_ID, "colours", document).token(), Duration.ofSeconds(30));
        return true;
    }
}
