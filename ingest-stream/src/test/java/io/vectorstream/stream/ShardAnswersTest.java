package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardAnswersTest {

    @Test
    void answersOfOtherShardsAddUpAndAShardThatAnsweredIsNoLongerMissing() {
        ShardAnswers<String> here = new ShardAnswers<>(Map.of(0, "a"), Set.of(1), "1 moved");
        ShardAnswers<String> there = new ShardAnswers<>(Map.of(1, "b"), Set.of(2), "2 unreachable");
        ShardAnswers<String> both = here.and(there);
        assertEquals(Map.of(0, "a", 1, "b"), both.results());
        assertEquals(Set.of(2), both.missing());
        assertEquals("1 moved; 2 unreachable", both.why());
        assertFalse(both.isComplete());
    }

    @Test
    void aRetryKeepsWhatAnsweredAndTakesTheLatestReason() {
        ShardAnswers<String> first = new ShardAnswers<>(Map.of(0, "a"), Set.of(1, 2), "1 and 2 moving");
        ShardAnswers<String> retried = first.retriedAs(new ShardAnswers<>(Map.of(1, "b"), Set.of(2), "2 moving"));
        assertEquals(Map.of(0, "a", 1, "b"), retried.results());
        assertEquals(Set.of(2), retried.missing());
        assertEquals("2 moving", retried.why());
    }

    @Test
    void completeAnswersHaveNoReason() {
        ShardAnswers<String> all = new ShardAnswers<>(Map.of(0, "a"), Set.of(1), "1 moved")
                .and(new ShardAnswers<>(Map.of(1, "b"), Set.of(), null));
        assertTrue(all.isComplete());
        assertNull(all.why());
        assertTrue(ShardAnswers.none(Set.of(), "unused").isComplete());
        assertEquals(Set.of(3), ShardAnswers.none(Set.of(3), "gone").missing());
    }
}
