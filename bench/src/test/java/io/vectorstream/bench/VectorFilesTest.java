package io.vectorstream.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vectorstream.util.Directories;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class VectorFilesTest {

    @Test
    void fvecsAndIvecsRoundTripAndHonourTheLimit() throws Exception {
        Path dir = Directories.temporary("vecs");
        float[][] vectors = {{1f, -2.5f, 3f}, {0f, 0.25f, 1e-3f}, {7f, 8f, 9f}};
        int[][] ids = {{4, 2}, {0, 1}};
        VectorFiles.writeFvecs(dir.resolve("v.fvecs"), vectors);
        VectorFiles.writeIvecs(dir.resolve("g.ivecs"), ids);
        float[][] read = VectorFiles.readFvecs(dir.resolve("v.fvecs"), 0);
        assertEquals(3, read.length);
        for (int i = 0; i < vectors.length; i++) {
            assertArrayEquals(vectors[i], read[i]);
        }
        assertEquals(2, VectorFiles.readFvecs(dir.resolve("v.fvecs"), 2).length);
        assertArrayEquals(ids[0], VectorFiles.readIvecs(dir.resolve("g.ivecs"), 0)[0]);
        assertArrayEquals(ids[1], VectorFiles.readIvecs(dir.resolve("g.ivecs"), 0)[1]);
        // A texmex header is a little-endian int32: 3 dimensions is 03 00 00 00.
        byte[] raw = Files.readAllBytes(dir.resolve("v.fvecs"));
        assertEquals(3, raw[0]);
        assertEquals(0, raw[3]);
    }
}
