package io.vectorstream.kafka;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second broker on a data folder in use fails at once with a clear message: started anyway, it
 * would share the first one's metadata log and hang both.
 */
@Tag("integration")
class EmbeddedKafkaBrokerTest {

    @Test
    void aDataFolderInUseIsRefused(@TempDir final Path dir) {
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start(dir, 0)) {
            EmbeddedKafkaBroker.InUseException e = assertThrows(EmbeddedKafkaBroker.InUseException.class,
                    () -> EmbeddedKafkaBroker.start(dir, 0));
            assertTrue(e.getMessage().contains("is used by a running broker"), e.getMessage());
        }
    }
}
