package io.vectorstream.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * The number format of the encoder's dense layers (system property
 * {@code model.precision}: {@code auto}, {@code float32} or {@code bfloat16}).
 *
 * <p>The four dense layers of each encoder layer are nearly all of a forward pass' arithmetic.
 * In {@link #BFLOAT16} their weights are kept in bfloat16, packed once into the layout of
 * oneDNN's AMX kernels, and each product rounds its input to bfloat16 and accumulates in float32;
 * everything else (embeddings, attention, layer norms, residual sums, pooling) stays float32.
 * Measured on the build machine: a query's forward pass about twice as fast, and every sentence's
 * vector within cosine 0.99997 of the float32 one (docs/benchmarks.md).
 *
 * <p>{@code auto}, the default, chooses bfloat16 where the CPU multiplies it natively (AMX or
 * AVX-512 BF16 in {@code /proc/cpuinfo}); elsewhere oneDNN would emulate it, slower than float32.
 */
public enum Precision {
    FLOAT32,
    BFLOAT16;

    private static final Set<String> NATIVE_BFLOAT16_FLAGS = Set.of("amx_bf16", "avx512_bf16");

    /** {@link #BFLOAT16} where this CPU multiplies bfloat16 natively, else {@link #FLOAT32}. */
    public static Precision fastestNative() {
        return NativeSupport.FASTEST;
    }

    /** Read from /proc/cpuinfo once, when first asked. */
    private static final class NativeSupport {
        static final Precision FASTEST = cpuFlags().stream().anyMatch(NATIVE_BFLOAT16_FLAGS::contains)
                ? BFLOAT16 : FLOAT32;
    }

    private static Set<String> cpuFlags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("flags"))
                    .findFirst()
                    .map(line -> Set.copyOf(Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of(); // not Linux, or unreadable: assume nothing
        }
    }

    /** As written in {@code model.precision} and reported by {@code GET /v1/models}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
