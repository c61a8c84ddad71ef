package io.vectorstream.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options of one command, checked against the names the command knows. */
public final class Options {

    private final Map<String, String> values = new HashMap<>();

    /**
     * Parses {@code args}.
     *
     * @throws UsageException for an unknown option, a missing value or a bare argument
     */
    public Options(final List<String> args, final Set<String> known, final Set<String> flags) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                values.put(name, value == null ? "true" : value);
                continue;
            }
            if (!known.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = args.get(++i);
            }
            values.put(name, value);
        }
    }

    /** The option's value, or {@code fallback} when it was not given. */
    public String get(final String name, final String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /** The option's value; it must have been given. */
    public String require(final String name) {
        String value = values.get(name);
        if (value == null) {
            throw new UsageException("--" + name + " is required");
        }
        return value;
    }

    /** The option as a port number (0-65535), or {@code fallback} when it was not given. */
    public int port(final String name, final int fallback) {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new UsageException("--" + name + " must be a port number (0-65535)");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a port number, got '" + value + "'");
        }
    }

    /** Whether the flag was given. */
    public boolean flag(final String name) {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    /** A command line that does not make sense. */
    public static final class UsageException extends RuntimeException {
        public UsageException(final String message) {
            super(message);
        }
    }
}
