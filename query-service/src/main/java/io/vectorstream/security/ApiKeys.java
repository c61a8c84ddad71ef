package io.vectorstream.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.schema.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The API keys of a deployment, in one JSON file: each key's name, the SHA-256 of its secret (the
 * secret itself is printed once, at creation, and kept nowhere), its scopes, the libraries it is
 * limited to (none: all), and when it was made. A key is 32 random bytes: a plain hash is enough,
 * no guess can search that space. The file is written whole to a temporary file and moved over
 * the old one, with its owner's permissions only; a service reads it again when it changes.
 */
public final class ApiKeys {

    /**
     * What a key may do: read, write and admin each include the ones before them; metrics is a
     * scope of its own (a scraper's key reads {@code /observe/metrics} and nothing else), which
     * admin includes too.
     */
    public enum Scope {
        /** Reads, searches, embedding. */
        READ,
        /** Also writes of documents and chunks. */
        WRITE,
        /** Also creating, changing and deleting libraries, and index requests. */
        ADMIN,
        /** {@code /observe/metrics} only, when {@code security.metrics-need-key} guards it. */
        METRICS;

        /** Whether a key with this scope may do what {@code needed} allows. */
        public boolean allows(final Scope needed) {
            if (this == ADMIN || this == needed) {
                return true;
            }
            return this != METRICS && needed != METRICS && compareTo(needed) >= 0;
        }

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException naming the scopes there are */
        public static Scope of(final String name) {
            for (Scope scope : values()) {
                if (scope.wireName().equals(name.strip().toLowerCase(Locale.ROOT))) {
                    return scope;
                }
            }
            throw new IllegalArgumentException("no scope '" + name + "': read, write, admin or metrics");
        }
    }

    /**
     * One key, without its secret.
     *
     * @param libraries the libraries it may reach; empty: every library
     */
    public record Key(String name, String sha256, Scope scope, Set<String> libraries, Instant createdAt) {

        public Key {
            libraries = Collections.unmodifiableSortedSet(new TreeSet<>(libraries));
        }

        /** Whether it may reach {@code libraryId}. */
        public boolean reaches(final String libraryId) {
            return libraries.isEmpty() || libraries.contains(libraryId);
        }
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<Key> keys;

    private ApiKeys(final List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /** No keys: the API is open. */
    public static ApiKeys none() {
        return new ApiKeys(List.of());
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    public List<Key> keys() {
        return keys;
    }

    /**
     * The key whose secret is {@code presented}, if any. Every key's hash is compared, in constant
     * time each, so that the time taken does not tell how close a guess came.
     */
    public Optional<Key> match(final String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] hash = sha256(presented);
        Key found = null;
        for (Key key : keys) {
            if (MessageDigest.isEqual(hash, HexFormat.of().parseHex(key.sha256())) && found == null) {
                found = key;
            }
        }
        return Optional.ofNullable(found);
    }

    /** A new key and its secret, which is shown once and kept nowhere. */
    public record Created(Key key, String secret) {
    }

    /**
     * These keys and a new one named {@code name}.
     *
     * @throws IllegalArgumentException if the name is taken or not a name
     */
    public Created create(final String name, final Scope scope, final Set<String> libraries) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a key's name is 1 to 64 letters, digits, '.', '_' or '-', starting with a"
                    + " letter or digit; was '" + name + "'");
        }
        if (keys.stream().anyMatch(k -> k.name().equals(name))) {
            throw new IllegalArgumentException("there is a key named '" + name + "' already");
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = "vs_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Key key = new Key(name, HexFormat.of().formatHex(sha256(secret)), scope, new TreeSet<>(libraries),
                Instant.now());
        return new Created(key, secret);
    }

    /** These keys with {@code key} added. */
    public ApiKeys with(final Key key) {
        List<Key> all = new ArrayList<>(keys);
        all.add(key);
        return new ApiKeys(all);
    }

    /**
     * These keys without the one named {@code name}.
     *
     * @throws IllegalArgumentException if there is none of that name
     */
    public ApiKeys without(final String name) {
        List<Key> rest = keys.stream().filter(k -> !k.name().equals(name)).toList();
        if (rest.size() == keys.size()) {
            throw new IllegalArgumentException("there is no key named '" + name + "'");
        }
        return new ApiKeys(rest);
    }

    /** The keys in {@code file}; none if it does not exist. */
    public static ApiKeys read(final Path file) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return none();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the API keys in " + file + ": " + e.getMessage(), e);
        }
        List<Key> keys = new ArrayList<>();
        for (JsonNode node : root.path("keys")) {
            Set<String> libraries = new TreeSet<>();
            node.path("libraries").forEach(l -> libraries.add(l.asText()));
            String hash = node.path("sha256").asText("");
            if (!hash.matches("[0-9a-f]{64}")) {
                throw new IllegalStateException("the API keys in " + file + " are damaged: key '"
                        + node.path("name").asText() + "' has no SHA-256");
            }
            keys.add(new Key(node.path("name").asText(), hash, Scope.of(node.path("scope").asText("read")),
                    libraries, Instant.parse(node.path("createdAt").asText(Instant.EPOCH.toString()))));
        }
        return new ApiKeys(keys);
    }

    /** Writes these keys to {@code file}, readable and writable by its owner only. */
    public void write(final Path file) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode list = root.putArray("keys");
        for (Key key : keys) {
            ObjectNode node = list.addObject();
            node.put("name", key.name());
            node.put("sha256", key.sha256());
            node.put("scope", key.scope().wireName());
            ArrayNode libraries = node.putArray("libraries");
            key.libraries().forEach(libraries::add);
            node.put("createdAt", key.createdAt().toString());
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temporary = Files.createTempFile(dir, ".api-keys-", ".json");
            Files.writeString(temporary, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root),
                    StandardCharsets.UTF_8);
            if (temporary.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            }
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the API keys to " + file, e);
        }
    }

    /** When {@code file} last changed, or null if it does not exist. */
    static FileTime modified(final Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] sha256(final String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
