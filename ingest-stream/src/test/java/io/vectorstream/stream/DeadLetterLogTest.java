package io.vectorstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Dead letters are logged at most once a minute per kind of reason, the first one at once. */
class DeadLetterLogTest {

    @Test
    void aFloodOfOneKindLogsOneLineAMinute() {
        AtomicLong now = new AtomicLong();
        DeadLetterLog log = new DeadLetterLog(now::get);
        assertTrue(log.record("events-0@1", "chunk 'a': dimension 3 is not the library's 4"), "the first at once");
        int lines = 0;
        for (int i = 2; i < 10_000; i++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(10)); // 100 s in all
            if (log.record("events-0@" + i, "chunk 'c" + i + "': dimension " + i + " is not the library's 4")) {
                lines++;
            }
        }
        assertEquals(1, lines, "one more line after a minute, with the count");
    }

    @Test
    void eachKindHasItsOwnLine() {
        AtomicLong now = new AtomicLong();
        DeadLetterLog log = new DeadLetterLog(now::get);
        assertTrue(log.record("events-0@1", "library 'x' does not exist"));
        assertTrue(log.record("events-0@2", "payload.metadata: 70000 bytes, more than the limit of 65536"));
        assertFalse(log.record("events-0@3", "library 'y' does not exist"), "the same kind as the first");
    }

    @Test
    void kindsLeaveNumbersAndQuotedPartsOut() {
        assertEquals(DeadLetters.kindOf("chunk 'a': dimension 3 is not 4"),
                DeadLetters.kindOf("chunk 'bbb': dimension 17 is not -2.5"));
    }
}
