package io.vectorstream.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import java.net.URL;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Configures the one logging backend (Logback, {@code logback.xml}) from the settings: what the
 * console shows, and a log file. Called by each command first, before anything logs.
 */
final class Logging {

    /** Where the package's own loggers start; {@code debug} and {@code trace} apply to them only. */
    private static final String OWN_LOGGERS = "io.vectorstream";
    private static final String FILE_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36}: %msg%n";

    private Logging() {
    }

    /**
     * @param level the console's level: {@code error}, {@code warn}, {@code info}, {@code debug} or {@code trace}
     * @param file  a file that also gets io.vectorstream's info lines (rolled over at 20 MB, three kept)
     */
    static void configure(final String level, final Optional<Path> file) {
        // Helidon logs through java.util.logging: its records go to SLF4J, and only there.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        Level console = Level.toLevel(level.toUpperCase(Locale.ROOT), Level.WARN);
        context.putProperty("CONSOLE_LEVEL", console.toString());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            URL config = Logging.class.getResource("/logback.xml");
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new IllegalStateException("logback.xml is broken: " + e.getMessage(), e);
        }
        if (console.isGreaterOrEqual(Level.INFO)) {
            context.getLogger(OWN_LOGGERS).setLevel(Level.INFO);
        } else {
            context.getLogger(OWN_LOGGERS).setLevel(console);
        }
        file.ifPresent(path -> context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(fileAppender(context,
                path)));
    }

    private static RollingFileAppender<ILoggingEvent> fileAppender(
            final LoggerContext context, final Path path) {
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName("FILE");
        appender.setFile(path.toString());
        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(appender);
        rolling.setFileNamePattern(path + ".%i");
        rolling.setMinIndex(1);
        rolling.setMaxIndex(3);
        rolling.start();
        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(context);
        trigger.setMaxFileSize(FileSize.valueOf("20MB"));
        trigger.start();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(FILE_PATTERN);
        encoder.start();
        appender.setRollingPolicy(rolling);
        appender.setTriggeringPolicy(trigger);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
