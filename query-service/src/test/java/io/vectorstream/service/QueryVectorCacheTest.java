package io.vectorstream.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QueryVectorCacheTest {

    private final AtomicInteger modelCalls = new AtomicInteger();

    private float[] embedded(final float value) {
        modelCalls.incrementAndGet();
        return new float[] {value, value};
    }

    @Test
    void aTextSearchedAgainSkipsTheModelAndAChangedAnswerDoesNotChangeTheKeptOne() {
        QueryVectorCache cache = new QueryVectorCache(2);
        float[] first = cache.vector("m", "ferry", () -> embedded(1));
        first[0] = 99; // a search that normalises its vector in place
        assertArrayEquals(new float[] {1, 1}, cache.vector("m", "ferry", () -> embedded(2)));
        assertEquals(1, modelCalls.get());
        cache.vector("other-model", "ferry", () -> embedded(3));
        assertEquals(2, modelCalls.get(), "each model's vector of a text is its own");
    }

    @Test
    void theLeastRecentlyUsedTextGoesFirst() {
        QueryVectorCache cache = new QueryVectorCache(2);
        cache.vector("m", "a", () -> embedded(1));
        cache.vector("m", "b", () -> embedded(2));
        cache.vector("m", "a", () -> embedded(1)); // a used again: b is now the oldest
        cache.vector("m", "c", () -> embedded(3));
        assertEquals(3, modelCalls.get());
        cache.vector("m", "a", () -> embedded(1));
        assertEquals(3, modelCalls.get(), "a is kept");
        cache.vector("m", "b", () -> embedded(2));
        assertEquals(4, modelCalls.get(), "b went out");
    }

    @Test
    void aTextLongerThanAQueryIsNotKept() {
        QueryVectorCache cache = new QueryVectorCache(2);
        String page = "word ".repeat(QueryVectorCache.MAX_TEXT_CHARS / 5 + 1);
        cache.vector("m", page, () -> embedded(1));
        cache.vector("m", page, () -> embedded(1));
        assertEquals(2, modelCalls.get());
    }

    @Test
    void noCapacityKeepsNothing() {
        QueryVectorCache cache = new QueryVectorCache(0);
        cache.vector("m", "a", () -> embedded(1));
        cache.vector("m", "a", () -> embedded(1));
        assertEquals(2, modelCalls.get());
    }
}
