package io.vectorstream.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.security.ApiKeys.Scope;
import io.vectorstream.util.Directories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void aKeysSecretIsShownOnceAndOnlyItsHashIsStored() throws Exception {
        Path file = Directories.temporary("api-keys").resolve("keys.json");
        ApiKeys.Created reader = ApiKeys.none().create("reader", Scope.READ, Set.of());
        ApiKeys.Created writer = ApiKeys.none().create("writer", Scope.WRITE, Set.of("lib-a"));
        ApiKeys.none().with(reader.key()).with(writer.key()).write(file);
        String stored = Files.readString(file);
        assertFalse(stored.contains(reader.secret()) || stored.contains(writer.secret()), stored);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        ApiKeys read = ApiKeys.read(file);
        assertEquals("reader", read.match(reader.secret()).orElseThrow().name());
        ApiKeys.Key key = read.match(writer.secret()).orElseThrow();
        assertEquals(Scope.WRITE, key.scope());
        assertTrue(key.reaches("lib-a"));
        assertFalse(key.reaches("lib-b"));
        assertTrue(read.match(reader.secret() + "x").isEmpty());
        assertTrue(read.match("").isEmpty());
        assertTrue(read.match(null).isEmpty());
        assertTrue(reader.secret().startsWith("vs_") && reader.secret().length() > 40, reader.secret());
    }

    @Test
    void revokedKeysNoLongerMatchAndNamesAreChecked() {
        ApiKeys.Created admin = ApiKeys.none().create("admin", Scope.ADMIN, Set.of());
        ApiKeys keys = ApiKeys.none().with(admin.key());
        assertThrows(IllegalArgumentException.class, () -> keys.create("admin", Scope.READ, Set.of()));
        assertThrows(IllegalArgumentException.class, () -> keys.create("no spaces", Scope.READ, Set.of()));
        assertThrows(IllegalArgumentException.class, () -> keys.without("nobody"));
        assertTrue(keys.without("admin").match(admin.secret()).isEmpty());
        assertTrue(keys.without("admin").isEmpty());
    }

    @Test
    void scopesIncludeTheOnesBelowThem() {
        assertTrue(Scope.ADMIN.allows(Scope.WRITE) && Scope.ADMIN.allows(Scope.READ) && Scope.WRITE.allows(Scope.READ));
        assertFalse(Scope.READ.allows(Scope.WRITE) || Scope.WRITE.allows(Scope.ADMIN));
        assertEquals(Scope.WRITE, Scope.of(" Write "));
        // Metrics is a scope of its own: a scraper's key reads nothing else, only admin includes it.
        assertTrue(Scope.METRICS.allows(Scope.METRICS) && Scope.ADMIN.allows(Scope.METRICS));
        assertFalse(Scope.METRICS.allows(Scope.READ) || Scope.READ.allows(Scope.METRICS)
                || Scope.WRITE.allows(Scope.METRICS));
        assertThrows(IllegalArgumentException.class, () -> Scope.of("root"));
    }

    @Test
    void aMissingFileIsNoKeysAndAChangedOneIsReadAgain() throws Exception {
        Path file = Directories.temporary("api-keys").resolve("keys.json");
        ApiKeyFile source = new ApiKeyFile(file);
        assertTrue(source.current().isEmpty());
        ApiKeys.Created created = ApiKeys.none().create("late", Scope.READ, Set.of());
        ApiKeys.none().with(created.key()).write(file);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (source.current().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(source.current().match(created.secret()).isPresent(), "read again within seconds");
    }
}
