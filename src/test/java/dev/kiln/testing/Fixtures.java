package dev.kiln.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/** The committed test files under {@code src/test/resources/fixtures} (see make-media.sh there). */
public final class Fixtures {

    private Fixtures() {}

    /** A fixture's bytes. */
    public static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The samples of a WAV fixture without its header (for speech.wav: 16 kHz mono 16-bit PCM). */
    public static byte[] pcm(String wav) {
        byte[] bytes = bytes(wav);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int at = 12; // past "RIFF", its size and "WAVE"
        while (at + 8 <= bytes.length) {
            String chunk = new String(bytes, at, 4, StandardCharsets.US_ASCII);
            int size = in.getInt(at + 4);
            if (chunk.equals("data")) {
                return Arrays.copyOfRange(bytes, at + 8, Math.min(bytes.length, at + 8 + size));
            }
            at += 8 + size + (size & 1);
        }
        throw new IllegalArgumentException(wav + " has no data chunk");
    }

    /** speech.wav said {@code times} times over, in one WAV: a recording that takes a while to transcribe. */
    public static byte[] longSpeech(int times) {
        byte[] pcm = pcm("speech.wav");
        byte[] original = bytes("speech.wav");
        int headerLength = original.length - pcm.length;
        ByteBuffer out = ByteBuffer.allocate(headerLength + pcm.length * times).order(ByteOrder.LITTLE_ENDIAN);
        out.put(original, 0, headerLength);
        for (int i = 0; i < times; i++) {
            out.put(pcm);
        }
        out.putInt(4, out.capacity() - 8);
        out.putInt(headerLength - 4, pcm.length * times);
        return out.array();
    }

    public static Path path(String name) {
        try {
            return Path.of(Objects.requireNonNull(Fixtures.class.getResource("/fixtures/" + name), name)
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
