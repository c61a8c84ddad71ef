package io.vectorstream.cli;

import io.vectorstream.security.ApiKeys;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code vectorstream api-key create|list|revoke}: the deployment's API keys, in the keys file
 * (only hashes of the secrets; a new key's secret is printed once). Running services read the file
 * again when it changes.
 */
final class ApiKeyCommand {

    private ApiKeyCommand() {
    }

    static void run(final List<String> args, final PrintStream out) {
        if (args.isEmpty() || !Set.of("create", "list", "revoke").contains(args.getFirst())) {
            throw new Options.UsageException("api-key needs create, list or revoke");
        }
        String action = args.getFirst();
        List<String> rest = args.subList(1, args.size());
        String name = null;
        if ("revoke".equals(action)) {
            if (rest.isEmpty() || rest.getFirst().startsWith("--")) {
                throw new Options.UsageException("api-key revoke needs the key's name");
            }
            name = rest.getFirst();
            rest = rest.subList(1, rest.size());
        }
        Options options = new Options(rest, Set.of("name", "scope", "libraries", "keys-file", "data-dir", "config"),
                Set.of());
        Path file = keysFile(options);
        ApiKeys keys = ApiKeys.read(file);
        try {
            switch (action) {
                case "create" -> {
                    ApiKeys.Scope scope = ApiKeys.Scope.of(options.require("scope"));
                    Set<String> libraries = new TreeSet<>();
                    Arrays.stream(options.get("libraries", "").split(",")).map(String::strip)
                            .filter(l -> !l.isEmpty()).forEach(libraries::add);
                    ApiKeys.Created created = keys.create(options.require("name"), scope, libraries);
                    keys.with(created.key()).write(file);
                    out.println("Created key '" + created.key().name() + "' (scope " + scope.wireName() + ", libraries: "
                            + (libraries.isEmpty() ? "all" : String.join(", ", libraries)) + ") in " + file + ".");
                    out.println("Its secret, shown this once (send it as X-Api-Key or Authorization: Bearer):");
                    out.println(created.secret());
                }
                case "list" -> {
                    if (keys.isEmpty()) {
                        out.println("No API keys in " + file + ": the API is open.");
                        return;
                    }
                    out.printf("%-24s %-6s %-30s %s%n", "name", "scope", "libraries", "created");
                    for (ApiKeys.Key key : keys.keys()) {
                        out.printf("%-24s %-6s %-30s %s%n", key.name(), key.scope().wireName(),
                                key.libraries().isEmpty() ? "all" : String.join(",", key.libraries()), key.createdAt());
                    }
                }
                default -> {
                    ApiKeys left = keys.without(name);
                    left.write(file);
                    out.println("Revoked key '" + name + "'" + (left.isEmpty()
                            ? "; no key is left: the API is open." : "; " + left.keys().size() + " left."));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new Options.UsageException(e.getMessage());
        }
    }

    /** --keys-file, else the configuration's security.api-keys-file, else data-dir/api-keys.json. */
    private static Path keysFile(final Options options) {
        String explicit = options.get("keys-file", null);
        if (explicit != null) {
            return Path.of(explicit);
        }
        Map<String, String> flags = options.get("data-dir", null) == null ? Map.of()
                : Map.of("data-dir", options.get("data-dir", null));
        String file = options.get("config", null);
        return ServiceConfig.from(ConfigLoader.load(Map.of(), file == null ? null : Path.of(file), flags,
                System.getenv(), System.getProperties())).apiKeysFile();
    }
}
