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
                TextEmbedding.of(Models.none())).describe();
        assertEquals(2, description.subtopologies().size(), description.toString());
    }
}
