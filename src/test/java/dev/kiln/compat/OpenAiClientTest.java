package dev.kiln.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.Multipart;
import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Real clients against a real Kiln process: the official {@code openai} npm client
 * (web/e2e/openai.e2e.mjs: every response format, word timestamps, streaming, typed errors), and
 * curl's multipart form as docs/compat.md shows it, for both APIs. Last, the process drains
 * (SIGTERM) while a request waits: it answers at once that the job goes on.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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
    @Order(1)
    void theOfficialOpenAiClientTranscribesInEveryFormatAndStreams() throws Exception {
        BrowserScript.mustPass(
                kiln,
                "openai.e2e.mjs",
                Duration.ofMinutes(6),
                "--speech",
                Fixtures.path("speech.wav").toString());
    }

    @Test
    @Order(2)
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

    @Test
    @Order(3)
    void aRequestWaitingWhenTheNodeDrainsIsAnsweredThatItsJobGoesOn() throws Exception {
        Api api = kiln.api();
        HttpRequest request = new Multipart()
                .file("file", "long.wav", Fixtures.longSpeech(20))
                .post(api, CompatApiContract.TRANSCRIPTIONS, Api.ADMIN_TOKEN)
                .timeout(Duration.ofMinutes(2))
                .build();
        CompletableFuture<HttpResponse<String>> answer =
                HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString());
        String job = await().atMost(Duration.ofMinutes(2))
                .until(
                        () -> api.get("/api/v1/jobs?state=running", Api.ADMIN_TOKEN)
                                .json()
                                .get("items"),
                        items -> !items.isEmpty())
                .get(0)
                .get("id")
                .asString();

        kiln.signalTerm();

        HttpResponse<String> drained = answer.get(1, TimeUnit.MINUTES);
        assertThat(drained.statusCode()).as(drained.body()).isEqualTo(503);
        assertThat(drained.body()).contains("\"code\":\"shutting_down\"");
        assertThat(drained.headers().firstValue("Kiln-Job-Id")).contains(job);
        assertThat(drained.headers().firstValue("x-should-retry")).contains("false");
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
