package io.vectorstream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.embed.KnownModel;
import io.vectorstream.schema.Json;
import io.vectorstream.service.ShardReader;
import io.vectorstream.service.WriteService;
import java.time.Duration;

/**
 * The example library a fresh local run starts with: short texts on four topics, embedded by the
 * default model in the stream, so that searching by meaning works at once
 * ({@code {"text": "how do satellites stay up"}} finds the chunk about orbits). Written through
 * the same path as any API call.
 */
final class ExampleData {

    static final String LIBRARY_ID = "example";

    private static final String[][][] DOCUMENTS = {
        {{"space"},
            {"orbits", "A rocket reaches orbit by flying sideways so fast that it keeps falling around the Earth."},
            {"tides", "The Moon's gravity raises the tides of Earth's oceans twice a day."},
            {"mars", "Mars is a cold desert planet with the largest volcano in the solar system, Olympus Mons."}},
        {{"kitchen"},
            {"bread", "Bread rises because yeast ferments sugars and releases carbon dioxide into the dough."},
            {"pasta", "Cook pasta in plenty of salted boiling water and stop while it is still al dente."},
            {"espresso", "Espresso is brewed by forcing hot water through finely ground coffee under pressure."}},
        {{"animals"},
            {"octopus", "An octopus has three hearts and can change the colour of its skin in a fraction of a second."},
            {"owls", "Owls hunt at night and find mice in the dark by sound alone."},
            {"bees", "Honey bees tell each other where the flowers are with a waggle dance."}},
        {{"computing"},
            {"kafka", "Apache Kafka stores streams of events in partitioned, replicated logs."},
            {"vectors", "A vector index finds the stored embeddings closest to the embedding of a query."},
            {"backups", "Keep three copies of important data, on two kinds of media, one of them offsite."}},
    };

    private ExampleData() {
    }

    /** How many chunks the example library has. */
    static int chunkCount() {
        int count = 0;
        for (String[][] document : DOCUMENTS) {
            count += document.length - 1;
        }
        return count;
    }

    /** Creates the example library unless the store holds any library; returns whether it did. */
    static boolean seedIfEmpty(final ShardReader reader, final WriteService writes) {
        if (!reader.libraries(null, 1).items().isEmpty()) {
            return false;
        }
        ObjectNode library = Json.MAPPER.createObjectNode();
        library.put("id", LIBRARY_ID);
        library.put("name", "Example: short texts, searchable by meaning");
        library.put("model", KnownModel.DEFAULT.id());
        library.putObject("metadata").put("source", "vectorstream dev");
        reader.awaitApplied(writes.createLibrary(null, library).token(), Duration.ofSeconds(30));

        for (String[][] topic : DOCUMENTS) {
            ObjectNode document = Json.MAPPER.createObjectNode();
            document.putObject("metadata").put("topic", topic[0][0]);
            ArrayNode chunks = document.putArray("chunks");
            for (int i = 1; i < topic.length; i++) {
                chunks.addObject().put("id", topic[i][0]).put("text", topic[i][1]);
            }
            reader.awaitApplied(writes.putDocument(null, LIBRARY_ID, topic[0][0], document).token(), Duration.ofSeconds(60));
        }
        return true;
    }
}
