package io.vectorstream.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClusterSecretTest {

    @Test
    void onlyTheSameSecretIsAdmitted() {
        ClusterSecret secret = ClusterSecret.of("s3cret");
        assertTrue(secret.admits("s3cret"));
        assertFalse(secret.admits("s3cre"));
        assertFalse(secret.admits(""));
        assertFalse(secret.admits(null));
        assertTrue(secret.allowsPeers());
    }

    @Test
    void withoutASecretNothingIsAdmittedUnlessDeclaredInsecure() {
        assertFalse(ClusterSecret.none().admits(null));
        assertFalse(ClusterSecret.none().admits("anything"));
        assertFalse(ClusterSecret.none().allowsPeers());
        assertTrue(ClusterSecret.insecure().admits(null));
        assertTrue(ClusterSecret.insecure().allowsPeers());
        assertThrows(IllegalArgumentException.class, () -> ClusterSecret.of(" "));
    }
}
