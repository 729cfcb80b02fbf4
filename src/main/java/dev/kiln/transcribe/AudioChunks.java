package dev.kiln.transcribe;

import java.util.Arrays;

/**
 * Decoded audio cut into pieces of at most {@code chunkSeconds}, each cut at the quietest tenth of
 * a second in the last stretch before the limit, so that words are rarely split. The cuts depend
 * only on the samples and the limit: the same file with the same settings gives the same chunks,
 * which is what lets a new attempt skip the chunks an earlier one finished.
 */
final class AudioChunks {

    /** A piece of audio: 16 kHz mono 16-bit little-endian PCM starting {@code fromSample} into the file. */
    record Chunk(int index, long fromSample, byte[] pcm) {

        long samples() {
            return pcm.length / 2;
        }

        double startSeconds() {
            return fromSample / (double) AudioDecoder.SAMPLE_RATE;
        }

        double endSeconds() {
            return (fromSample + samples()) / (double) AudioDecoder.SAMPLE_RATE;
        }
    }

    private static final int WINDOW = AudioDecoder.SAMPLE_RATE / 10;
    private static final int STEP = AudioDecoder.SAMPLE_RATE / 50;
    private static final int MAX_SEARCH = 5 * AudioDecoder.SAMPLE_RATE;

    private final AudioDecoder audio;
    private final int limit;
    private final int search;
    private byte[] buffer;
    private int buffered;
    private long nextFrom;
    private int nextIndex;
    private boolean ended;

    AudioChunks(AudioDecoder audio, int chunkSeconds) {
        this.audio = audio;
        this.limit = Math.max(1, chunkSeconds) * AudioDecoder.SAMPLE_RATE;
        this.search = Math.min(MAX_SEARCH, limit / 3);
        this.buffer = new byte[limit * 2 + 64 * 1024];
    }

    /** The next chunk, or null after the last. */
    Chunk next() {
        while (!ended && buffered < limit * 2) {
            AudioDecoder.Block block = audio.next();
            if (block == null) {
                ended = true;
            } else {
                append(block);
            }
        }
        if (buffered == 0) {
            return null;
        }
        int cut = buffered >= limit * 2 ? cutSample() : buffered / 2;
        Chunk chunk = new Chunk(nextIndex++, nextFrom, Arrays.copyOf(buffer, cut * 2));
        System.arraycopy(buffer, cut * 2, buffer, 0, buffered - cut * 2);
        buffered -= cut * 2;
        nextFrom += cut;
        return chunk;
    }

    private void append(AudioDecoder.Block block) {
        if (buffered + block.length() > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, buffered + block.length()));
        }
        System.arraycopy(block.bytes(), 0, buffer, buffered, block.length());
        buffered += block.length();
    }

    /** The middle of the quietest window in the last {@code search} samples before the limit (the first such, for determinism). */
    private int cutSample() {
        if (search < WINDOW) {
            return limit;
        }
        long best = Long.MAX_VALUE;
        int bestStart = limit - WINDOW;
        for (int start = limit - search; start + WINDOW <= limit; start += STEP) {
            long energy = energy(start);
            if (energy < best) {
                best = energy;
                bestStart = start;
            }
        }
        return bestStart + WINDOW / 2;
    }

    private long energy(int fromSample) {
        long sum = 0;
        for (int i = fromSample; i < fromSample + WINDOW; i++) {
            int sample = (short) ((buffer[2 * i] & 0xff) | (buffer[2 * i + 1] << 8));
            sum += (long) sample * sample;
        }
        return sum;
    }
}
