package dev.kiln.transcribe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** The 44-byte header that makes 16-bit mono PCM a WAV file. */
public final class Wave {

    public static final int HEADER = 44;

    private Wave() {}

    /** The header of a WAV file holding {@code dataBytes} of 16-bit mono PCM at {@code sampleRate}. */
    public static byte[] header(long dataBytes, int sampleRate) {
        if (dataBytes > 0xFFFF_FFFFL - 36) {
            throw new IllegalArgumentException("A WAV file holds at most 4 GiB of samples");
        }
        return ByteBuffer.allocate(HEADER)
                .order(ByteOrder.LITTLE_ENDIAN)
                .put("RIFF".getBytes(StandardCharsets.US_ASCII))
                .putInt((int) (36 + dataBytes))
                .put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII))
                .putInt(16)
                .putShort((short) 1) // PCM
                .putShort((short) 1) // mono
                .putInt(sampleRate)
                .putInt(sampleRate * 2)
                .putShort((short) 2)
                .putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII))
                .putInt((int) dataBytes)
                .array();
    }

    /** 16 kHz mono PCM as a whole WAV file. */
    static byte[] of(byte[] pcm) {
        byte[] file = new byte[HEADER + pcm.length];
        System.arraycopy(header(pcm.length, AudioDecoder.SAMPLE_RATE), 0, file, 0, HEADER);
        System.arraycopy(pcm, 0, file, HEADER, pcm.length);
        return file;
    }
}
