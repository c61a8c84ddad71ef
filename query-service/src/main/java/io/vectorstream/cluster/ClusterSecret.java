package io.vectorstream.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The secret instances of one application share, sent with every instance-to-instance request
 * and required by the internal endpoint; or, with {@link #insecure()}, none (a trusted network).
 */
public final class ClusterSecret {

    private final Optional<String> value;
    private final boolean insecure;

    private ClusterSecret(final Optional<String> value, final boolean insecure) {
        this.value = value;
        this.insecure = insecure;
    }

    /** Requests must carry {@code secret}. */
    public static ClusterSecret of(final String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("a cluster secret must not be empty");
        }
        return new ClusterSecret(Optional.of(secret), false);
    }

    /** No secret: any request to the internal endpoint is served. */
    public static ClusterSecret insecure() {
        return new ClusterSecret(Optional.empty(), true);
    }

    /** No secret and not insecure: the internal endpoint refuses every request (one instance alone). */
    public static ClusterSecret none() {
        return new ClusterSecret(Optional.empty(), false);
    }

    Optional<String> value() {
        return value;
    }

    /** Whether peers can be asked and served: a secret is set, or the cluster is declared insecure. */
    public boolean allowsPeers() {
        return insecure || value.isPresent();
    }

    /** Whether a request that carried {@code presented} (null: none) may be served. */
    public boolean admits(final String presented) {
        if (insecure) {
            return true;
        }
        if (value.isEmpty() || presented == null) {
            return false;
        }
        // Constant time: the comparison must not tell how much of a guess was right.
        return MessageDigest.isEqual(value.get().getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }
}
