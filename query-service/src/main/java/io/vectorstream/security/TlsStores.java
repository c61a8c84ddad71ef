package io.vectorstream.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * HTTPS for an instance ({@code http.tls.*}): the PKCS#12 keystore with its key and certificate,
 * which its HTTP server presents, and the trust store its requests to the other instances check
 * their certificates against (the keystore itself when none is named: instances that share one
 * certificate trust it). Every instance of a deployment has TLS or none has.
 *
 * @param truststore null: the keystore
 */
public record TlsStores(Path keystore, String keystorePassword, Path truststore, String truststorePassword) {

    /** The server side: the keystore's key and certificate chain. */
    public SSLContext serverContext() {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keystore, keystorePassword), keystorePassword.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("http.tls.keystore " + keystore + ": " + e.getMessage(), e);
        }
    }

    /** The client side, for requests to the other instances: what it trusts. */
    public SSLContext clientContext() {
        Path trusted = truststore == null ? keystore : truststore;
        String password = truststore == null ? keystorePassword : truststorePassword;
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(trusted, password));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("http.tls.truststore " + trusted + ": " + e.getMessage(), e);
        }
    }

    private static KeyStore load(final Path file, final String password) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the PKCS#12 store " + file + ": " + e.getMessage(), e);
        }
    }
}
