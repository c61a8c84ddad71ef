package io.vectorstream.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Self-signed certificates for tests of HTTPS, made by the running JDK's keytool. */
public final class TestCertificates {

    /** The password of every store made here. */
    public static final String PASSWORD = "changeit";

    private TestCertificates() {
    }

    /**
     * A PKCS#12 keystore in {@code dir} with a key and a self-signed certificate for
     * {@code localhost} and {@code 127.0.0.1}, valid for a day.
     */
    public static Path selfSigned(final Path dir, final String name) {
        return selfSigned(dir, name, "dns:localhost,ip:127.0.0.1");
    }

    /** A self-signed keystore whose certificate names only {@code subjectAlternativeNames} ({@code dns:x,ip:y}). */
    public static Path selfSigned(final Path dir, final String name, final String subjectAlternativeNames) {
        Path store = dir.resolve(name + ".p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = List.of(keytool.toString(), "-genkeypair", "-alias", name, "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=" + subjectAlternativeNames,
                "-validity", "1", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD,
                "-keypass", PASSWORD);
        try {
            Files.createDirectories(dir);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            return store;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + keytool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
