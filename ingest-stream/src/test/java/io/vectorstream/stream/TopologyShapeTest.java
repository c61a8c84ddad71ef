package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vectorstream.embed.Models;
import io.vectorstream.schema.Limits;
import io.vectorstream.store.ShardStoreOptions;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class TopologyShapeTest {

    @Test
    void validationAndIndexingAreTwoSubTopologies() {
        TopologyDescription description = VectorstreamTopology.build(Topics.DEFAULT, ShardStoreOptions.SMALL,
                TextEmbedding.of(Models.none()), Limits.DEFAULT, InputEnds.unchecked()).describe();
        assertEquals(2, description.subtopologies().size(), description.toString());
    }

    /** The reset deletes exactly the changelogs of these stores: the list must name every store. */
    @Test
    void theStoreListNamesEveryStoreOfTheTopology() {
        TopologyDescription description = VectorstreamTopology.build(Topics.DEFAULT, ShardStoreOptions.SMALL,
                TextEmbedding.of(Models.none()), Limits.DEFAULT, InputEnds.unchecked()).describe();
        Set<String> stores = new TreeSet<>();
        description.subtopologies().forEach(sub -> sub.nodes().forEach(node -> {
            if (node instanceof TopologyDescription.Processor processor) {
                stores.addAll(processor.stores());
            }
        }));
        assertEquals(new TreeSet<>(VectorstreamTopology.STORES), stores);
        Assertions.assertTrue(ApplicationReset.isInternalTopicOf("vectorstream",
                "vectorstream-shards-changelog"));
        Assertions.assertFalse(ApplicationReset.isInternalTopicOf("vectorstream",
                "vectorstream-other-app-shards-changelog"));
    }
}
