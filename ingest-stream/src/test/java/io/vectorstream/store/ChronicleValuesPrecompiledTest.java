package io.vectorstream.store;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.junit.jupiter.api.Test;

/**
 * The class Chronicle Map would otherwise compile with javac when a process opens its first map
 * is generated at build time (src/build/java/GenerateChronicleNativeClasses.java, from the
 * chronicle-values on the class path) and compiled into this module: Chronicle Map must load it
 * instead of compiling its own.
 */
class ChronicleValuesPrecompiledTest {

    private static final String STATE = "net.openhft.chronicle.hash.VanillaGlobalMutableState";

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
