package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vectorstream.embed.Models;
import io.vectorstream.store.ShardStoreOptions;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

class TopologyShapeTest {

    @Test
    void validationAndIndexingAreTwoSubTopologies() {
        TopologyDescription description = VectorstreamTopology.build(Topics.DEFAULT, ShardStoreOptions.SMALL,
                TextEmbedding.of(Models.none()), io.vectorstream.schema.Limits.DEFAULT, InputEnds.unchecked()).describe();
        assertEquals(2, description.subtopologies().size(), description.toString());
    }

    /** The reset deletes exactly the changelogs of these stores: the list must name every store. */
    @Test
    void theStoreListNamesEveryStoreOfTheTopology() {
        TopologyDescription description = VectorstreamTopology.build(Topics.DEFAULT, ShardStoreOptions.SMALL,
                TextEmbedding.of(Models.none()), io.vectorstream.schema.Limits.DEFAULT, InputEnds.unchecked()).describe();
        java.util.Set<String> stores = new java.util.TreeSet<>();
        description.subtopologies().forEach(sub -> sub.nodes().forEach(node -> {
            if (node instanceof TopologyDescription.Processor processor) {
                stores.addAll(processor.stores());
            }
        }));
        assertEquals(new java.util.TreeSet<>(VectorstreamTopology.STORES), stores);
        org.junit.jupiter.api.Assertions.assertTrue(ApplicationReset.isInternalTopicOf("vectorstream",
                "vectorstream-shards-changelog"));
        org.junit.jupiter.api.Assertions.assertFalse(ApplicationReset.isInternalTopicOf("vectorstream",
                "vectorstream-other-app-shards-changelog"));
    }
}
