package dev.kiln.transcribe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import dev.kiln.testing.WordErrorRate;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A remote engine that is a real OpenAI-compatible server: a second Kiln, in its own JVM, whose
 * {@code /v1/audio/transcriptions} transcribes each chunk with its Vosk model.
 */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class RemoteKilnEngineTest extends ApiTestBase {

    private static KilnProcess upstream;

    @DynamicPropertySource
    static void engine(DynamicPropertyRegistry registry) {
        upstream = KilnProcess.start("", TestDatabases.tempDir("kiln-upstream-"), Map.of());
        String prefix = "kiln.transcribe.engines.other-kiln.";
        registry.add(prefix + "base-url", () -> "http://127.0.0.1:" + upstream.port() + "/v1");
        registry.add(prefix + "model", () -> "whisper-1");
        registry.add(prefix + "api-key", () -> Api.ADMIN_TOKEN);
        registry.add(prefix + "chunk-seconds", () -> "4");
    }

    @AfterAll
    static void stopUpstream() {
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void speechIsTranscribedChunkByChunkByAnotherKiln() throws Exception {
        String file = api.file(Api.ADMIN_TOKEN, Files.readAllBytes(Fixtures.path("speech.wav")), "speech.wav");
        String job = api.submit(Api.ADMIN_TOKEN, "transcribe", file, "{\"model\":\"other-kiln\",\"words\":true}");

        List<JsonNode> events = api.events(Api.ADMIN_TOKEN, job);

        assertThat(events.getLast().get("data").get("state").asString()).isEqualTo("succeeded");
        JsonNode result = api.get("/api/v1/jobs/" + job + "/result?original=true", Api.ADMIN_TOKEN)
                .json();
        String expected = Files.readString(Fixtures.path("speech.txt"));
        assertThat(WordErrorRate.of(expected, result.get("text").asString()))
                .as(result.get("text").asString())
                .isLessThan(0.35);
        assertThat(result.get("language").asString()).isEqualTo("en"); // the engine said "english"
        double previous = 0;
        List<String> texts = new ArrayList<>();
        for (JsonNode segment : result.get("segments")) {
            double start = segment.get("start").asDouble();
            double end = segment.get("end").asDouble();
            assertThat(start).as("segments in order").isGreaterThanOrEqualTo(previous - 0.05);
            assertThat(end)
                    .isGreaterThan(start)
                    .isLessThanOrEqualTo(result.get("duration").asDouble() + 0.05);
            assertThat(segment.get("words")).isNotEmpty();
            previous = end;
            texts.add(segment.get("text").asString());
        }
        // Later chunks' times are shifted by where their chunk starts: the speech spans the recording.
        assertThat(previous).isGreaterThan(7.0);
        assertThat(events.stream()
                        .filter(e -> e.get("kind").asString().equals("partial"))
                        .map(e -> e.get("data").get("text").asString())
                        .toList())
                .isEqualTo(texts);

        assertThat(events)
                .as("progress by seconds done, with an estimate of the time left")
                .anySatisfy(e -> {
                    assertThat(e.get("kind").asString()).isEqualTo("progress");
                    assertThat(e.get("data").get("stage").asString()).isEqualTo("transcribing");
                    assertThat(e.get("data").has("eta")).isTrue();
                });

        JsonNode transcribe = api.processor("transcribe");
        assertThat(transcribe.toString())
                .doesNotContain(Api.ADMIN_TOKEN)
                .doesNotContain("127.0.0.1:" + upstream.port());
        assertThat(transcribe.get("details").get("engines").get(0).get("name").asString())
                .isEqualTo("other-kiln");
        assertThat(transcribe.get("details").get("engines").get(0).get("remote").asBoolean())
                .isTrue();
        assertThat(transcribe.get("details").get("engines").get(0).get("model").asString())
                .isEqualTo("whisper-1");
    }
}
