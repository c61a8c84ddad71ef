package io.vectorstream.embed;

/** How a sentence vector is made of the encoder's token vectors. */
public enum Pooling {
    /** The mean of the token vectors, padding excluded (sentence-transformers' default). */
    MEAN,
    /** The vector of the first token, {@code [CLS]} (BGE). */
    CLS
}
