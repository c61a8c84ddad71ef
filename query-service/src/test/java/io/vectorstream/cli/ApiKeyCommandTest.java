package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.security.ApiKeys;
import io.vectorstream.util.Directories;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeyCommandTest {

    @Test
    void createPrintsAKeyThatMatchesListShowsItAndRevokeRemovesIt() {
        Path file = Directories.temporary("api-key-command").resolve("keys.json");
        String created = run("create", "--name", "shop", "--scope", "read", "--libraries", "shop, books",
                "--keys-file", file.toString());
        String secret = created.lines().filter(l -> l.startsWith("vs_")).findFirst().orElseThrow();
        ApiKeys.Key key = ApiKeys.read(file).match(secret).orElseThrow();
        assertEquals("shop", key.name());
        assertEquals(ApiKeys.Scope.READ, key.scope());
        assertEquals(List.of("books", "shop"), List.copyOf(key.libraries()));

        String listed = run("list", "--keys-file", file.toString());
        assertTrue(listed.contains("shop") && listed.contains("books,shop") && !listed.contains(secret), listed);

        Options.UsageException taken = assertThrows(Options.UsageException.class,
                () -> run("create", "--name", "shop", "--scope", "write", "--keys-file", file.toString()));
        assertTrue(taken.getMessage().contains("already"), taken.getMessage());
        assertThrows(Options.UsageException.class,
                () -> run("create", "--name", "other", "--scope", "root", "--keys-file", file.toString()));

        assertTrue(run("revoke", "shop", "--keys-file", file.toString()).contains("the API is open"));
        assertTrue(ApiKeys.read(file).isEmpty());
        assertThrows(Options.UsageException.class, () -> run("revoke", "shop", "--keys-file", file.toString()));
    }

    private static String run(final String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ApiKeyCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }
}
