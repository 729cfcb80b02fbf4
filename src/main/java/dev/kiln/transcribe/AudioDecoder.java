package dev.kiln.transcribe;

import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Any audio or video file, decoded by FFmpeg (from Maven, no system package) into 16 kHz mono
 * 16-bit PCM, a frame at a time: nothing is held whole in memory, whatever the file's length.
 */
final class AudioDecoder implements AutoCloseable {

    static final int SAMPLE_RATE = 16_000;

    static {
        avutil.av_log_set_level(avutil.AV_LOG_QUIET); // failures reach the job's error instead
    }

    private final FFmpegFrameGrabber grabber;
    private long samples;
    private byte[] pcm = new byte[0];

    private AudioDecoder(FFmpegFrameGrabber grabber) {
        this.grabber = grabber;
    }

    /** Opens the file; fails as {@code media_unreadable} or {@code no_audio}. */
    static AudioDecoder open(Path file) {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile());
        grabber.setSampleRate(SAMPLE_RATE);
        grabber.setAudioChannels(1);
        grabber.setSampleFormat(avutil.AV_SAMPLE_FMT_S16);
        try {
            grabber.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            closeQuietly(grabber);
            throw JobFailure.of(
                    JobErrorCode.MEDIA_UNREADABLE,
                    "The file could not be read as audio or video: it may be damaged, or not media at all.",
                    e);
        }
        if (!grabber.hasAudio()) {
            closeQuietly(grabber);
            throw JobFailure.of(JobErrorCode.NO_AUDIO, "The file has no audio stream to transcribe.");
        }
        return new AudioDecoder(grabber);
    }

    /** The audio stream's duration in seconds (else the container's; a video track may be longer); 0 when neither says. */
    double durationSeconds() {
        AVFormatContext format = grabber.getFormatContext();
        int index = grabber.getAudioStream();
        if (format != null && index >= 0 && index < format.nb_streams()) {
            AVStream stream = format.streams(index);
            if (stream.duration() != avutil.AV_NOPTS_VALUE && stream.duration() > 0) {
                return stream.duration() * avutil.av_q2d(stream.time_base());
            }
        }
        long micros = grabber.getLengthInTime();
        return micros > 0 ? micros / 1e6 : 0;
    }

    /** Seconds of audio decoded so far. */
    double decodedSeconds() {
        return samples / (double) SAMPLE_RATE;
    }

    /**
     * The next block of PCM (little-endian 16-bit), or null at the end. The array is reused:
     * consume {@code length} bytes of it before the next call.
     */
    Block next() {
        try {
            Frame frame;
            while ((frame = grabber.grabSamples()) != null) {
                if (frame.samples == null || frame.samples.length == 0) {
                    continue;
                }
                ShortBuffer in = ((ShortBuffer) frame.samples[0]).duplicate();
                int count = in.remaining();
                if (pcm.length < count * 2) {
                    pcm = new byte[count * 2];
                }
                ByteBuffer.wrap(pcm)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asShortBuffer()
                        .put(in);
                samples += count;
                return new Block(pcm, count * 2);
            }
            return null;
        } catch (FrameGrabber.Exception | RuntimeException e) {
            throw JobFailure.of(
                    JobErrorCode.MEDIA_UNREADABLE,
                    "Decoding failed " + String.format(Locale.ROOT, "%.1f", decodedSeconds())
                            + " s into the audio: the file may be damaged or cut short.",
                    e);
        }
    }

    record Block(byte[] bytes, int length) {}

    private static void closeQuietly(FFmpegFrameGrabber grabber) {
        try {
            grabber.close();
        } catch (Exception ignored) {
            // already failing for a better reason
        }
    }

    @Override
    public void close() {
        closeQuietly(grabber);
    }
}
