package dev.kiln.transcribe;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param modelsDir   where extra Vosk models are dropped, one directory each (default: {@code models}
 *                    under Kiln's home); the English model is bundled and needs none
 * @param recognizers Vosk transcriptions running at once on this node (0, the default: half the
 *                    cores); a remote engine's jobs do not count, they wait on the network
 * @param engines     remote OpenAI-compatible transcription servers, by the name jobs choose them
 *                    with (the {@code model} param of {@code transcribe})
 */
@ConfigurationProperties("kiln.transcribe")
public record TranscribeSettings(
        Path modelsDir, @DefaultValue("0") int recognizers, Map<String, Engine> engines) {

    public TranscribeSettings {
        if (recognizers < 0) {
            throw new IllegalArgumentException("kiln.transcribe.recognizers must be 0 (half the cores) or more");
        }
        engines = engines == null ? Map.of() : Map.copyOf(engines);
    }

    /** The recognizers asked for, or half the cores: one recognizer keeps one core busy. */
    int recognizersOrDefault() {
        return recognizers > 0 ? recognizers : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /**
     * One remote engine: a server that answers {@code POST {baseUrl}/audio/transcriptions} as OpenAI does.
     *
     * @param baseUrl        the API root, e.g. {@code https://api.openai.com/v1}
     * @param model          the model name sent upstream (e.g. {@code whisper-1})
     * @param apiKey         sent as a Bearer token if set; never logged, never shown
     * @param maxConcurrency chunks in flight to this engine at once, across the node's jobs
     * @param chunkSeconds   longest piece of audio sent in one request; cuts fall at silences before it
     * @param timeout        how long one request may take before it counts as failed (and is tried again)
     * @param tries          requests per chunk before the job fails
     * @param retryBackoff   the wait after the first failed request of a chunk, doubling after each
     */
    public record Engine(
            URI baseUrl,
            String model,
            String apiKey,
            @DefaultValue("2") int maxConcurrency,
            @DefaultValue("30") int chunkSeconds,
            @DefaultValue("120s") Duration timeout,
            @DefaultValue("4") int tries,
            @DefaultValue("1s") Duration retryBackoff) {

        /** OpenAI's translation endpoint beside it: speech in any language to English text. */
        URI translationsUri() {
            return endpoint("audio/translations");
        }

        URI transcriptionsUri() {
            return endpoint("audio/transcriptions");
        }

        private URI endpoint(String path) {
            String root = baseUrl.toString();
            return URI.create((root.endsWith("/") ? root : root + "/") + path);
        }

        /** Without the key: a record's own toString would print it wherever settings are logged. */
        @Override
        public String toString() {
            return "Engine[baseUrl=" + baseUrl + ", model=" + model + ", apiKey="
                    + (apiKey == null ? "none" : "[redacted]")
                    + ", maxConcurrency=" + maxConcurrency + ", chunkSeconds=" + chunkSeconds + ", timeout=" + timeout
                    + ", tries=" + tries + ", retryBackoff=" + retryBackoff + "]";
        }
    }
}
