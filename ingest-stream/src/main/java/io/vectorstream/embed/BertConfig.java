package io.vectorstream.embed;

/**
 * The shape of a BERT encoder. Everything but the number of attention heads can be read off the
 * weights; the heads come from the model's catalogue entry.
 *
 * @param layerNormEps the epsilon of every LayerNorm (1e-12 in BERT)
 */
public record BertConfig(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize,
                         int maxPositions, int typeVocabSize, float layerNormEps) {

    public BertConfig {
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not a multiple of " + heads
                    + " heads");
        }
    }

    /** The width of one attention head. */
    public int headSize() {
        return hiddenSize / heads;
    }
}
