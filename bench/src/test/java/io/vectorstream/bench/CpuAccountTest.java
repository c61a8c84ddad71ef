package io.vectorstream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuAccountTest {

    /** Spins on the CPU for about {@code millis} of its own CPU time. */
    private static void burn(final long millis) {
        long until = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() + millis * 1_000_000;
        long x = 0;
        while (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() < until) {
            x += System.nanoTime() % 7;
        }
        if (x == 42) {
            System.out.print(""); // keeps the loop from being optimised away
        }
    }

    @Test
    void timeOfAThreadThatEndedDuringThePhaseGoesToItsPart() throws Exception {
        CpuAccount account = CpuAccount.start(name -> name.startsWith("burner") ? "burner" : null);
        Thread burner = Thread.ofPlatform().name("burner-1").start(() -> {
            burn(300);
            try {
                Thread.sleep(400); // idle but alive: the sampler sees its whole time before it ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        burner.join();
        Map<String, Long> parts = account.stop("other");

        long burned = parts.get("burner");
        assertTrue(burned >= 290_000_000L && burned < 600_000_000L, "burner's CPU time: " + burned + " ns");
        long sum = parts.entrySet().stream().filter(e -> !e.getKey().equals("total"))
                .mapToLong(Map.Entry::getValue).sum();
        assertEquals(parts.get("total"), sum, "the parts add up to the process's time: " + parts);
        assertTrue(parts.containsKey(CpuAccount.JIT) && parts.containsKey(CpuAccount.GC), parts.toString());
    }
}
