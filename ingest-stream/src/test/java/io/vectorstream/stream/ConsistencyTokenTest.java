package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistencyTokenTest {

    @Test
    void parsesPrintsAndMergesPerPartition() {
        ConsistencyToken token = ConsistencyToken.parse("2:10, 0:5,2:7");
        assertEquals(Map.of(0, 5L, 2, 10L), token.offsets());
        assertEquals("0:5,2:10", token.toString());
        assertEquals(token, ConsistencyToken.parse(token.toString()));
    }

    @Test
    void isSatisfiedOnlyWhenEveryPartitionHasReachedItsOffset() {
        ConsistencyToken token = ConsistencyToken.parse("0:5,1:3");
        assertTrue(token.isSatisfiedBy(Map.of(0, 5L, 1, 9L)));
        assertFalse(token.isSatisfiedBy(Map.of(0, 4L, 1, 9L)));
        assertFalse(token.isSatisfiedBy(Map.of(0, 5L)));
    }

    @Test
    void rejectsWhatIsNotAToken() {
        for (String bad : new String[] {"", "x", "1", "1:2:3", "a:1", "1:-1", "-1:1"}) {
            assertThrows(IllegalArgumentException.class, () -> ConsistencyToken.parse(bad), bad);
        }
    }
}
