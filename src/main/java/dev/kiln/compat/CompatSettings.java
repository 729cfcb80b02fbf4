package dev.kiln.compat;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;

/**
 * The OpenAI-compatible API and whisper-asr-webservice's {@code /asr} (docs/compat.md).
 *
 * @param waitLimit          how long a request waits for its job's result before it answers that the
 *                           job is still running (504, with {@code Kiln-Job-Id}); a client may ask for
 *                           less with {@code Prefer: wait=<seconds>}; default 10m
 * @param cancelOnDisconnect whether a job is cancelled when its client goes away before the answer;
 *                           default false (the job runs on, and its result waits in Kiln)
 * @param tokenHeader        a header that may carry the Kiln token instead of {@code Authorization:
 *                           Bearer}, for tools that cannot send one (e.g. {@code X-Api-Key}); default none
 * @param asrEngine          the engine {@code /asr} runs on, which cannot name one (a Vosk model or a
 *                           remote engine); default none: the default engine, or one that speaks the
 *                           language asked for
 */
@ConfigurationProperties("kiln.compat")
public record CompatSettings(
        @Name("wait") @DefaultValue("10m") Duration waitLimit,
        @DefaultValue("false") boolean cancelOnDisconnect,
        String tokenHeader,
        String asrEngine) {

    public CompatSettings {
        if (waitLimit.isNegative()) {
            throw new IllegalArgumentException("kiln.compat.wait must be 0s or more, not " + waitLimit);
        }
        if (tokenHeader != null && tokenHeader.isBlank()) {
            tokenHeader = null;
        }
        if (tokenHeader != null && !tokenHeader.matches("[A-Za-z0-9-]+")) {
            throw new IllegalArgumentException("kiln.compat.token-header must be a header name, not " + tokenHeader);
        }
        if (asrEngine != null && asrEngine.isBlank()) {
            asrEngine = null;
        }
    }
}
