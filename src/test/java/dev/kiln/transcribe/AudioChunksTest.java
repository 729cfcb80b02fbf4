package dev.kiln.transcribe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Fixtures;
import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cutting decoded audio into chunks for a remote engine: at silences, never past the limit, always alike. */
class AudioChunksTest {

    private static final int RATE = AudioDecoder.SAMPLE_RATE;

    @Test
    void chunksFollowOneAnotherWithinTheLimitAndAreTheSameEachTime() {
        List<AudioChunks.Chunk> first = chunks(Fixtures.path("speech.wav"), 3);
        List<AudioChunks.Chunk> again = chunks(Fixtures.path("speech.wav"), 3);

        assertThat(first).hasSizeGreaterThanOrEqualTo(4);
        long next = 0;
        for (AudioChunks.Chunk chunk : first) {
            assertThat(chunk.fromSample()).isEqualTo(next);
            assertThat(chunk.samples()).isPositive().isLessThanOrEqualTo(3L * RATE);
            next += chunk.samples();
        }
        assertThat(next).as("every sample, once").isEqualTo(312_344 / 2); // the fixture's data chunk
        assertThat(again)
                .extracting(AudioChunks.Chunk::fromSample)
                .isEqualTo(first.stream().map(AudioChunks.Chunk::fromSample).toList());
    }

    @Test
    void theCutFallsInThePauseBeforeTheLimit() throws IOException {
        // 4 s of tone with a pause from 3.2 s to 3.5 s; a 4 s limit looks for a pause from 2.67 s on.
        short[] samples = new short[6 * RATE];
        for (int i = 0; i < samples.length; i++) {
            boolean pause = i >= 3.2 * RATE && i < 3.5 * RATE;
            samples[i] = pause ? 0 : (short) (8000 * Math.sin(i * 2 * Math.PI * 440 / RATE));
        }
        Path wav = TestDatabases.tempDir("kiln-chunks-").resolve("pause.wav");
        ByteBuffer pcm = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : samples) {
            pcm.putShort(s);
        }
        Files.write(wav, Wave.of(pcm.array()));

        List<AudioChunks.Chunk> chunks = chunks(wav, 4);

        assertThat(chunks).hasSize(2);
        double cut = chunks.get(0).endSeconds();
        assertThat(cut).isBetween(3.2, 3.5);
        assertThat(chunks.get(1).startSeconds()).isEqualTo(cut);
        assertThat(chunks.get(1).endSeconds()).isEqualTo(6.0);
    }

    private static List<AudioChunks.Chunk> chunks(Path file, int seconds) {
        List<AudioChunks.Chunk> chunks = new ArrayList<>();
        try (AudioDecoder audio = AudioDecoder.open(file)) {
            AudioChunks cutter = new AudioChunks(audio, seconds);
            for (AudioChunks.Chunk c = cutter.next(); c != null; c = cutter.next()) {
                chunks.add(c);
            }
        }
        return chunks;
    }
}
