package io.vectorstream.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.util.Directories;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EmbeddingCacheTest {

    private static ModelManifest manifest(final int dimension) {
        return new ModelManifest("test-model", dimension, Pooling.MEAN, true, 128, null, "", "", "test:artifact",
                "model.onnx", "0123456789abcdef0123", "Apache-2.0", "model-0000.params");
    }

    @Test
    void aFullCacheEvictsToTakeNewVectorsAndStaysWithinItsCapacity() throws Exception {
        Path dir = Directories.temporary("embedding-cache-test");
        int capacity = 200;
        try (EmbeddingCache cache = EmbeddingCache.open(dir, manifest(4), capacity)) {
            for (int i = 0; i < 2_000; i++) {
                cache.put("text " + i, new float[] {i, i + 1, i + 2, i + 3});
                // The vector just put is always there: a full cache takes it (it refused it before).
                assertArrayEquals(new float[] {i, i + 1, i + 2, i + 3}, cache.get("text " + i), "text " + i);
            }
            assertTrue(cache.size() <= capacity, "size " + cache.size());
            assertTrue(cache.size() >= capacity / 2, "size " + cache.size());
            assertEquals(2_000 - cache.size(), cache.evictions());
            int found = 0;
            for (int i = 0; i < 2_000; i++) {
                float[] vector = cache.get("text " + i);
                if (vector != null) {
                    found++;
                    assertArrayEquals(new float[] {i, i + 1, i + 2, i + 3}, vector, "no vector under another text");
                }
            }
            assertEquals(cache.size(), found);
        }
    }
}
