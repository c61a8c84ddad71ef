package io.vectorstream.cli;

import io.helidon.logging.common.spi.LoggingProvider;

/**
 * Tells Helidon that logging is set up ({@link Logging}: Logback, with java.util.logging bridged
 * into it). Without a provider Helidon prints a line about the missing one at every start.
 */
public final class HelidonLoggingProvider implements LoggingProvider {

    @Override
    public void initialization() {
        // Logging.configure runs first, from the command line.
    }

    @Override
    public void runTime() {
        // Nothing changes at run time.
    }
}
