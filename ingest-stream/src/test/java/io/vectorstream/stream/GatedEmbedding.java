package io.vectorstream.stream;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The real models behind a gate: model calls wait until the test opens it, so a test can look at a
 * task while its batch is in flight on the embedding thread.
 */
final class GatedEmbedding implements TextEmbedding {

    private final TextEmbedding models;
    private final CountDownLatch gate = new CountDownLatch(1);

    GatedEmbedding(final TextEmbedding models) {
        this.models = models;
    }

    void open() {
        gate.countDown();
    }

    @Override
    public int dimension(final String modelId) {
        return models.dimension(modelId);
    }

    @Override
    public float[][] embed(final String modelId, final List<String> texts) {
        try {
            if (!gate.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return models.embed(modelId, texts);
    }
}
