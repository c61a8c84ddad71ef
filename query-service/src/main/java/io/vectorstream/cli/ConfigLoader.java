package io.vectorstream.cli;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.spi.ConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Reads the settings with Helidon Config, each layer overriding the ones before it: the defaults
 * ({@code application.yaml} in this module's resources, which documents every key), the command's
 * own defaults, the user's file, {@code VECTORSTREAM_*} environment variables, {@code -Dvectorstream.*}
 * system properties, the command's flags. Only keys the defaults name exist: a file or a variable
 * that names another is refused, so that a typo is not silently ignored.
 */
final class ConfigLoader {

    /** The defaults, on the class path. */
    static final String DEFAULTS = "application.yaml";
    /** The user's file, when no {@code --config} or {@value #FILE_VARIABLE} names another. */
    static final Path WORKING_FOLDER_FILE = Path.of("application.yaml");
    static final String FILE_VARIABLE = "VECTORSTREAM_CONFIG";
    static final String VARIABLE_PREFIX = "VECTORSTREAM_";
    static final String PROPERTY_PREFIX = "vectorstream.";
    /** Variables of earlier versions, still read: each names its key. */
    static final Map<String, String> VARIABLE_ALIASES = Map.of("VECTORSTREAM_KAFKA", "kafka.bootstrap");
    /** Variables the launcher and the loader use themselves, not settings. */
    private static final Set<String> NOT_SETTINGS = Set.of(FILE_VARIABLE, "VECTORSTREAM_JAVA_OPTS");
    /**
     * System properties of that prefix that are not settings: the launcher's installation folder,
     * and the switch to the scalar distance kernels, read by the index module when its kernels
     * class loads (a constant the JIT folds into every distance call; for benchmarks only).
     */
    private static final Set<String> LAUNCHER_PROPERTIES = Set.of("vectorstream.home", "vectorstream.kernels");

    private ConfigLoader() {
    }

    /**
     * The settings of a command.
     *
     * @param commandDefaults values the command sets before the user's (dev listens on 127.0.0.1)
     * @param file the file of {@code --config}, or null for {@value #FILE_VARIABLE} or ./application.yaml
     * @param flags values from the command's flags, by key
     */
    static Config load(final Map<String, String> commandDefaults, final Path file, final Map<String, String> flags,
                       final Map<String, String> environment, final Properties systemProperties) {
        Config defaults = Config.just(ConfigSources.classpath(DEFAULTS));
        Set<String> keys = leafKeys(defaults);
        List<Supplier<? extends ConfigSource>> sources = new ArrayList<>();
        // Helidon gives the sources listed first precedence.
        sources.add(ConfigSources.create(checked(keys, flags, "a flag"), "flags"));
        sources.add(ConfigSources.create(fromProperties(keys, systemProperties), "system properties"));
        sources.add(ConfigSources.create(fromEnvironment(keys, environment), "environment"));
        Path userFile = userFile(file, environment);
        if (userFile != null) {
            Config user = Config.just(ConfigSources.file(userFile));
            checked(keys, leaves(user), userFile.toString());
            sources.add(ConfigSources.create(user));
        }
        sources.add(ConfigSources.create(checked(keys, commandDefaults, "the command"), "command defaults"));
        // The trees read above, not their files again.
        sources.add(ConfigSources.create(defaults));
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .disableValueResolving()
                .sources(sources)
                .build();
    }

    /** The variable that sets {@code key}: {@code VECTORSTREAM_} and the key in capitals, {@code .} and {@code -} as {@code _}. */
    static String variableOf(final String key) {
        return VARIABLE_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static Path userFile(final Path file, final Map<String, String> environment) {
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new Options.UsageException("--config " + file + ": no such file");
            }
            return file;
        }
        String named = environment.get(FILE_VARIABLE);
        if (named != null && !named.isBlank()) {
            Path path = Path.of(named);
            if (!Files.isRegularFile(path)) {
                throw new Options.UsageException(FILE_VARIABLE + "=" + named + ": no such file");
            }
            return path;
        }
        return Files.isRegularFile(WORKING_FOLDER_FILE) ? WORKING_FOLDER_FILE : null;
    }

    private static Map<String, String> fromEnvironment(final Set<String> keys, final Map<String, String> environment) {
        Map<String, String> byVariable = new LinkedHashMap<>();
        for (String key : keys) {
            byVariable.put(variableOf(key), key);
        }
        Map<String, String> values = new LinkedHashMap<>();
        VARIABLE_ALIASES.forEach((variable, key) -> {
            if (environment.containsKey(variable)) {
                values.put(key, environment.get(variable));
            }
        });
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            if (!name.startsWith(VARIABLE_PREFIX) || NOT_SETTINGS.contains(name) || VARIABLE_ALIASES.containsKey(name)) {
                continue;
            }
            String key = byVariable.get(name);
            if (key == null) {
                throw new Options.UsageException("unknown setting in the environment: " + name + " (settings: "
                        + String.join(", ", keys.stream().map(ConfigLoader::variableOf).sorted().toList()) + ")");
            }
            values.put(key, variable.getValue());
        }
        return values;
    }

    private static Map<String, String> fromProperties(final Set<String> keys, final Properties properties) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : new TreeSet<>(properties.stringPropertyNames())) {
            if (!name.startsWith(PROPERTY_PREFIX) || LAUNCHER_PROPERTIES.contains(name)) {
                continue;
            }
            String key = name.substring(PROPERTY_PREFIX.length());
            if (!keys.contains(key)) {
                throw new Options.UsageException("unknown setting -D" + name + " (settings: "
                        + String.join(", ", keys) + ")");
            }
            values.put(key, properties.getProperty(name));
        }
        return values;
    }

    private static Map<String, String> checked(final Set<String> keys, final Map<String, String> values,
                                               final String where) {
        for (String key : values.keySet()) {
            if (!keys.contains(key)) {
                throw new Options.UsageException("unknown setting '" + key + "' in " + where + " (settings: "
                        + String.join(", ", keys) + ")");
            }
        }
        return values;
    }

    private static Set<String> leafKeys(final Config config) {
        return new TreeSet<>(leaves(config).keySet());
    }

    private static Map<String, String> leaves(final Config config) {
        Map<String, String> leaves = new LinkedHashMap<>();
        config.traverse().filter(Config::isLeaf).forEach(node -> leaves.put(node.key().toString(),
                node.asString().orElse("")));
        return leaves;
    }
}
