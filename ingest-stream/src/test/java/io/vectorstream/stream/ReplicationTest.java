package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplicationTest {

    @ParameterizedTest(name = "kafka.replication {0} on {1} brokers: {2} replicas, min.insync {3}")
    @CsvSource({
        "0, 1, 1, 1",
        "0, 2, 2, 1",
        "0, 3, 3, 2",
        "0, 5, 3, 2",
        "1, 5, 1, 1",
        "5, 5, 5, 2",
    })
    void autoIsThreeWhereThereAreThreeBrokers(final short configured, final int brokers, final short factor,
                                              final int minInsync) {
        Replication replication = Replication.forCluster(configured, brokers);
        assertEquals(factor, replication.factor());
        assertEquals(minInsync, replication.minInsync());
        assertEquals(Integer.toString(minInsync), replication.topicConfigs().get("min.insync.replicas"));
    }

    @Test
    void moreReplicasThanBrokersIsRefusedNamingTheSetting() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Replication.forCluster((short) 3, 1));
        assertTrue(e.getMessage().contains("kafka.replication is 3 but the cluster has 1 broker"), e.getMessage());
    }

    @Test
    void lessThanThreeReplicasIsBelowAProductionDeployment() {
        assertTrue(Replication.forCluster(Replication.AUTO, 1).belowDefault());
        assertFalse(Replication.forCluster(Replication.AUTO, 3).belowDefault());
    }
}
