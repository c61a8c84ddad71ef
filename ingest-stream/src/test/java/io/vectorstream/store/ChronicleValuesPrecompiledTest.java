package io.vectorstream.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.junit.jupiter.api.Test;

/**
 * The class Chronicle Map would otherwise compile with javac when a process opens its first map
 * is shipped compiled (src/main/java/net/openhft/chronicle/hash): it must be exactly what the
 * chronicle-values on the class path generates, and Chronicle Map must load it instead of
 * compiling its own.
 */
class ChronicleValuesPrecompiledTest {

    private static final String STATE = "net.openhft.chronicle.hash.VanillaGlobalMutableState";
    private static final Path SHIPPED = Path.of("src/main/java/net/openhft/chronicle/hash/VanillaGlobalMutableState$$Native.java");

    @Test
    void theShippedClassIsWhatChronicleValuesGenerates() throws Exception {
        Class<?> modelType = Class.forName("net.openhft.chronicle.values.ValueModel");
        Object model = modelType.getMethod("acquire", Class.class).invoke(null, Class.forName(STATE));
        Method generate = Class.forName("net.openhft.chronicle.values.Generators")
                .getDeclaredMethod("generateNativeClass", modelType, String.class);
        generate.setAccessible(true);
        String generated = ((String) generate.invoke(null, model, "VanillaGlobalMutableState$$Native")).strip();

        String shipped = Files.readString(SHIPPED);
        String withoutHeader = shipped.substring(shipped.indexOf("package ")).strip();
        assertEquals(generated, withoutHeader, "chronicle-values now generates another class: replace the body of "
                + SHIPPED + " (below its header comment) with the expected text above");
    }

    @Test
    void chronicleMapLoadsTheShippedClassInsteadOfCompilingOne() throws Exception {
        try (ChronicleMap<byte[], byte[]> map = ChronicleMapBuilder.of(byte[].class, byte[].class)
                .entries(16).averageKeySize(8).averageValueSize(8).create()) {
            map.put(new byte[] {1}, new byte[] {2});
        }
        Class<?> used = Class.forName(STATE + "$$Native");
        // A class compiled at run time is defined without a code source; the shipped one comes from
        // this module's classes.
        assertNotNull(used.getProtectionDomain().getCodeSource(), "compiled at run time");
        String location = used.getProtectionDomain().getCodeSource().getLocation().toString();
        assertTrue(location.contains("ingest-stream"), location);
    }
}
