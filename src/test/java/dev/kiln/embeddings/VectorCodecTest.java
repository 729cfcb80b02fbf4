package dev.kiln.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorCodecTest {

    @Test
    void floatsComeBackBitForBit() {
        Random random = new Random(7);
        float[] vector = new float[384];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) random.nextGaussian();
        }
        vector[0] = -0.0f;
        vector[1] = Float.MIN_VALUE;
        vector[2] = Float.MAX_VALUE;
        vector[3] = Float.NaN;

        byte[] bytes = VectorCodec.encode(vector);
        float[] back = VectorCodec.decode(bytes, 384);

        assertThat(bytes).hasSize(384 * 4);
        for (int i = 0; i < vector.length; i++) {
            assertThat(Float.floatToRawIntBits(back[i])).isEqualTo(Float.floatToRawIntBits(vector[i]));
        }
    }

    @Test
    void theBytesAreLittleEndianSingles() {
        assertThat(VectorCodec.encode(new float[] {1.0f})).containsExactly(0x00, 0x00, 0x80, 0x3f);
    }

    @Test
    void aVectorOfAnotherLengthIsRefused() {
        byte[] bytes = VectorCodec.encode(new float[3]);

        assertThatThrownBy(() -> VectorCodec.decode(bytes, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12 bytes");
    }
}
