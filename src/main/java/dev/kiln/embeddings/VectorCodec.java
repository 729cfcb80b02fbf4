package dev.kiln.embeddings;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A vector as stored in a database column: its floats as little-endian IEEE 754 singles, nothing
 * else (384 dimensions: 1,536 bytes). Exact, so a vector read back scores exactly as it did when
 * it was made; the model that made it is stored beside it, not in these bytes.
 */
public final class VectorCodec {

    private VectorCodec() {}

    public static byte[] encode(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return bytes.array();
    }

    /**
     * @throws IllegalArgumentException when the bytes are not {@code dimension} floats (a vector of
     *     another model, or a damaged row)
     */
    public static float[] decode(byte[] bytes, int dimension) {
        if (bytes.length != dimension * Float.BYTES) {
            throw new IllegalArgumentException("A stored vector has " + bytes.length + " bytes; " + dimension
                    + " dimensions need " + dimension * Float.BYTES);
        }
        float[] vector = new float[dimension];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
        return vector;
    }
}
