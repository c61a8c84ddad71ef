package io.vectorstream.schema;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.index.Metric;
import io.vectorstream.index.Similarity;

/**
 * What a library takes as a vector, checked the same at the HTTP edge and in the stream: its
 * dimension, finite values, non-zero under cosine (vectors are then scaled to unit length), and
 * a length whose products stay finite under dot and l2.
 */
public final class VectorRules {

    /**
     * The longest vector dot and l2 take: the kernels sum in float32, and two such vectors' dot
     * product (at most the product of their lengths) and squared distance (at most the square of
     * their lengths' sum) stay finite. Under cosine every vector is scaled to unit length first.
     */
    public static final double MAX_NORM = Math.sqrt(Float.MAX_VALUE / 4);

    private VectorRules() {
    }

    /**
     * Decodes a vector (a JSON array or base64, {@link Embeddings}) and checks it against a
     * library of {@code dimension} and {@code metric}. Under cosine it comes back unit length.
     */
    public static float[] checked(final int dimension, final Metric metric, final JsonNode embedding,
                                  final String field) throws InvalidVector {
        float[] vector;
        try {
            vector = Embeddings.decode(embedding);
        } catch (IllegalArgumentException e) {
            throw new InvalidVector(e.getMessage(), field);
        }
        return checkedInPlace(dimension, metric, vector, field);
    }

    /** The checks of {@link #checked(int, Metric, JsonNode, String)} on a decoded vector, left as it is. */
    public static float[] checked(final int dimension, final Metric metric, final float[] vector,
                                  final String field) throws InvalidVector {
        return checked(dimension, metric, vector, field, false);
    }

    /** As {@link #checked(int, Metric, float[], String)} for a vector the caller owns: under cosine it is made unit length in place. */
    public static float[] checkedInPlace(final int dimension, final Metric metric, final float[] vector,
                                         final String field) throws InvalidVector {
        return checked(dimension, metric, vector, field, true);
    }

    private static float[] checked(final int dimension, final Metric metric, final float[] vector,
                                   final String field, final boolean overwrite) throws InvalidVector {
        if (vector.length != dimension) {
            throw new InvalidVector("vector dimension " + vector.length + " differs from the library's dimension "
                    + dimension, field);
        }
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                throw new InvalidVector("vector element " + i + " is " + vector[i] + "; only finite values are allowed",
                        field);
            }
        }
        double norm = Similarity.norm(vector);
        if (metric == Metric.COSINE) {
            if (norm == 0) {
                throw new InvalidVector("the zero vector has no direction, so no cosine similarity", field);
            }
            return Similarity.scaledToUnit(vector, norm, overwrite ? vector : new float[vector.length]);
        }
        if (norm > MAX_NORM) {
            throw new InvalidVector("vector length " + norm + " is past " + MAX_NORM + ": its products would overflow "
                    + "the float32 scores of " + metric.wireName(), field);
        }
        return vector;
    }

    /** A vector its library cannot take; {@link #field()} names where it was. */
    public static final class InvalidVector extends Exception {
        private final String field;

        public InvalidVector(final String message, final String field) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }
}
