package io.vectorstream.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** Reads vectors in either accepted wire form: a JSON array of numbers or base64 of little-endian float32. */
public final class Embeddings {

    private Embeddings() {
    }

    /**
     * Decodes a vector.
     *
     * @throws IllegalArgumentException if the node is neither form, or base64 of a length that is
     *                                  not a whole number of float32 values
     */
    public static float[] decode(final JsonNode node) {
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("no vector given");
        }
        if (node.isArray()) {
            float[] vector = new float[node.size()];
            for (int i = 0; i < vector.length; i++) {
                JsonNode value = node.get(i);
                if (!value.isNumber()) {
                    throw new IllegalArgumentException("element " + i + " is not a number");
                }
                vector[i] = value.floatValue();
            }
            return vector;
        }
        if (node.isTextual()) {
            return decodeBase64(node.textValue());
        }
        throw new IllegalArgumentException("a vector is a JSON array of numbers or a base64 string");
    }

    /**
     * Decodes the base64 form: little-endian float32 values.
     *
     * @throws IllegalArgumentException if it is not base64, or not of a whole number of float32 values
     */
    public static float[] decodeBase64(final String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not valid base64: " + e.getMessage(), e);
        }
        if (bytes.length == 0 || bytes.length % Float.BYTES != 0) {
            throw new IllegalArgumentException("base64 vector must hold a whole number of float32 values, got "
                    + bytes.length + " bytes");
        }
        float[] vector = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
        return vector;
    }

    /** Encodes a vector as base64 of little-endian float32, the compact wire form. */
    public static String toBase64(final float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(buffer.array());
    }
}
