package io.vectorstream.bench;

import com.sun.management.OperatingSystemMXBean;
import io.vectorstream.util.Pause;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * CPU time of this process over a phase, split by what its threads do. Wall-clock rates on a
 * shared 2-core machine swing by 10-20% from run to run; CPU time per event swings less, and says
 * where the time goes: the pipeline, the broker beside it, the benchmark's own publisher, or the
 * JVM itself. The JVM's JIT compilers and garbage collectors are not Java threads: on Linux their
 * time is read from {@code /proc/self/task} by thread name; elsewhere it is the process's time
 * minus every Java thread's.
 *
 * <p>Threads are sampled every {@value #SAMPLE_EVERY_MS} ms, so that one that ends during the
 * phase (a publisher, a closed client's network thread) keeps its time up to its last sample.
 */
final class CpuAccount {

    static final String JIT = "JIT compilers";
    static final String GC = "garbage collector";
    static final String OTHER_JVM = "other JVM threads";

    private static final long SAMPLE_EVERY_MS = 100;
    private static final Path TASKS = Path.of("/proc/self/task");
    /** Linux's USER_HZ: the unit of utime and stime in {@code /proc/.../stat}. */
    private static final long NANOS_PER_TICK = 10_000_000;

    /** The part a Java thread belongs to, by its name; {@code null} for "other Java threads". */
    private final Function<String, String> partOf;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    /** CPU nanoseconds by Java thread id at the start, and as last seen. */
    private final Map<Long, Long> javaStart = new HashMap<>();
    private final Map<Long, Long> javaLast = new HashMap<>();
    private final Map<Long, String> javaNames = new HashMap<>();
    /** CPU nanoseconds by JVM-internal part ({@link #JIT}, {@link #GC}) and native thread id. */
    private final Map<Long, Long> nativeStart = new HashMap<>();
    private final Map<Long, Long> nativeLast = new HashMap<>();
    private final Map<Long, String> nativeParts = new HashMap<>();
    private final long startProcess;
    private final Thread sampler;
    private volatile boolean stopped;

    private CpuAccount(final Function<String, String> partOf) {
        this.partOf = partOf;
        sample();
        javaStart.putAll(javaLast);
        nativeStart.putAll(nativeLast);
        this.startProcess = processCpuNanos();
        this.sampler = Thread.ofPlatform().daemon().name("cpu-account").start(() -> {
            while (!stopped) {
                Pause.millis(SAMPLE_EVERY_MS, "the CPU account");
                sample();
            }
        });
    }

    /** Starts counting now. */
    static CpuAccount start(final Function<String, String> partOf) {
        return new CpuAccount(partOf);
    }

    /**
     * CPU nanoseconds since {@link #start} by part, in the order first seen, then {@code other}
     * (Java threads no part claims), {@link #JIT}, {@link #GC} and {@link #OTHER_JVM} (together the
     * process minus its Java threads), and {@code total}.
     */
    synchronized Map<String, Long> stop(final String other) {
        stopped = true;
        sample();
        long process = processCpuNanos() - startProcess;
        Map<String, Long> byPart = new LinkedHashMap<>();
        long javaThreads = 0;
        for (Map.Entry<Long, Long> thread : javaLast.entrySet()) {
            long used = thread.getValue() - javaStart.getOrDefault(thread.getKey(), 0L);
            javaThreads += used;
            String part = partOf.apply(javaNames.get(thread.getKey()));
            byPart.merge(part == null ? other : part, used, Long::sum);
        }
        long jvm = Math.max(0, process - javaThreads);
        long named = 0;
        for (String part : new String[] {JIT, GC}) {
            long used = 0;
            for (Map.Entry<Long, Long> thread : nativeLast.entrySet()) {
                if (part.equals(nativeParts.get(thread.getKey()))) {
                    used += thread.getValue() - nativeStart.getOrDefault(thread.getKey(), 0L);
                }
            }
            byPart.put(part, Math.min(used, jvm - named));
            named += byPart.get(part);
        }
        byPart.put(OTHER_JVM, jvm - named);
        byPart.put("total", process);
        return byPart;
    }

    private synchronized void sample() {
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                if (cpu >= 0) {
                    javaLast.put(info.getThreadId(), cpu);
                    javaNames.put(info.getThreadId(), info.getThreadName());
                }
            }
        }
        sampleJvmThreads();
    }

    /** The JIT's and the garbage collector's threads, from Linux's per-thread statistics. */
    private void sampleJvmThreads() {
        if (!Files.isDirectory(TASKS)) {
            return;
        }
        try (Stream<Path> tasks = Files.list(TASKS)) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String part = jvmPart(name);
                    if (part == null) {
                        return;
                    }
                    // After the name: state, ppid, ... (11 fields), then utime and stime, in clock ticks.
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    long tid = Long.parseLong(task.getFileName().toString());
                    nativeLast.put(tid, ticks * NANOS_PER_TICK);
                    nativeParts.put(tid, part);
                } catch (IOException | RuntimeException threadEnded) {
                    // the thread ended between the listing and the read: its last sample stands
                }
            });
        } catch (IOException e) {
            // no per-thread statistics: JIT and GC stay in OTHER_JVM
        }
    }

    /** HotSpot's names for its compiler and collector threads (as Linux keeps them: 15 characters). */
    private static String jvmPart(final String threadName) {
        if (threadName.startsWith("C1 CompilerThre") || threadName.startsWith("C2 CompilerThre")) {
            return JIT;
        }
        if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")) {
            return GC;
        }
        return null;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }
}
