package dev.kiln.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real clients against a real Kiln process: the official {@code openai} npm client
 * (web/e2e/openai.e2e.mjs: every response format, word timestamps, streaming, typed errors), and
 * curl's multipart form as docs/compat.md shows it, for both APIs.
 */
class OpenAiClientTest {

    private static KilnProcess kiln;

    @BeforeAll
    static void start() {
        kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE), TestDatabases.tempDir("kiln-openai-"), Map.of());
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    @Test
    void theOfficialOpenAiClientTranscribesInEveryFormatAndStreams() throws Exception {
        BrowserScript.mustPass(
                kiln,
                "openai.e2e.mjs",
                Duration.ofMinutes(6),
                "--speech",
                Fixtures.path("speech.wav").toString());
    }

    @Test
    void curlSendsTheMultipartFormOfBothApis() throws Exception {
        String base = "http://localhost:" + kiln.port();
        String speech = Fixtures.path("speech.wav").toString();

        String openAi = curl(
                "-F",
                "file=@" + speech,
                "-F",
                "model=whisper-1",
                "-F",
                "response_format=text",
                base + "/v1/audio/transcriptions");
        assertThat(openAi).contains("HTTP/1.1 200", "Kiln-Job-Id: job_", "conference room");

        String asr = curl("-F", "audio_file=@" + speech, base + "/asr?output=srt&language=en");
        assertThat(asr)
                .contains("HTTP/1.1 200", "Asr-Engine: kiln", "filename=\"speech.wav.srt\"", "\r\n\r\n1\n00:00:0")
                .contains("conference room");
    }

    /** curl with the admin's token, headers and body on stdout; fails unless curl itself succeeds. */
    private static String curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(
                List.of("curl", "-sS", "-i", "--max-time", "300", "-H", "Authorization: Bearer " + Api.ADMIN_TOKEN));
        command.addAll(List.of(args));
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(curl.exitValue()).as(output).isZero();
        return output;
    }
}
