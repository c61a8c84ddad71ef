package io.vectorstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.embed.TestModel;
import io.vectorstream.util.Directories;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The Python client's own tests (clients/python/tests, standard-library unittest) against a real
 * `vectorstream dev` process with two API keys, an admin and a read one: how the build runs them.
 */
@Tag("integration")
@Execution(ExecutionMode.CONCURRENT) // its own processes: runs beside other tests
class PythonClientIntegrationTest {

    private static final Path CLIENT = Path.of("..", "clients", "python").toAbsolutePath().normalize();

    @Test
    void thePythonClientsTestsPassAgainstADevProcess() throws Exception {
        requirePython();
        Path dataDir = Directories.temporary("vectorstream-python");
        String admin = createKey(dataDir, "python-admin", "admin");
        String read = createKey(dataDir, "python-read", "read");
        int httpPort = CliProcess.freePort();
        try (CliProcess dev = CliProcess.dev(dataDir, httpPort, CliProcess.freePort(), "--model-dir",
                TestModel.dir().getParent().toString())) {
            dev.awaitReady(Duration.ofMinutes(2));
            ProcessBuilder tests = new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", "tests", "-v")
                    .directory(CLIENT.toFile()).redirectErrorStream(true);
            tests.environment().put("VECTORSTREAM_URL", "http://127.0.0.1:" + httpPort);
            tests.environment().put("VECTORSTREAM_ADMIN_KEY", admin);
            tests.environment().put("VECTORSTREAM_READ_KEY", read);
            tests.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the checkout
            Process python = tests.start();
            String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(python.waitFor(5, TimeUnit.MINUTES), "python tests still running:\n" + output);
            System.out.println(output);
            assertEquals(0, python.exitValue(), "the Python client's tests failed:\n" + output
                    + "\n--- the dev process:\n" + dev.output());
            Matcher ran = Pattern.compile("Ran (\\d+) tests").matcher(output);
            assertTrue(ran.find() && Integer.parseInt(ran.group(1)) >= 15, "every test ran:\n" + output);
            assertTrue(!output.contains("skipped 'the service runs without API keys'"), "keys were tested:\n" + output);
            dev.stop(Duration.ofSeconds(60));
        }
    }

    /** Python 3.9 or later, which .ci/run installs from Debian where it is missing. */
    private static void requirePython() throws IOException, InterruptedException {
        Process version;
        try {
            version = new ProcessBuilder("python3", "-c", "import sys; print(sys.version_info >= (3, 9))")
                    .redirectErrorStream(true).start();
        } catch (IOException missing) {
            throw new AssertionError("python3 (3.9 or later) is needed for the Python client's tests: "
                    + "apt-get install python3 (.ci/run does it)", missing);
        }
        String answer = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        version.waitFor();
        assertEquals("True", answer, "python3 must be 3.9 or later");
    }

    private static String createKey(final Path dataDir, final String name, final String scope) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ApiKeyCommand.run(List.of("create", "--name", name, "--scope", scope, "--data-dir", dataDir.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("vs_")).findFirst()
                .orElseThrow(() -> new AssertionError("no key printed: " + out));
    }
}
