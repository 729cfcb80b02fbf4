package dev.kiln.transcribe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Fixtures;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/** {@code transcribe} through the HTTP API: upload, submit, follow the event log, download. */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class TranscribeApiTest extends ApiTestBase {

    @Test
    void thePartialResultsASubscriberSeesMakeUpTheFinalTranscript() throws Exception {
        String file = api.upload(Api.ADMIN_TOKEN, Files.readAllBytes(Fixtures.path("speech.mp3")), "speech.mp3")
                .json()
                .get("id")
                .asString();
        String job = api.submit(Api.ADMIN_TOKEN, "transcribe", file, "{\"words\":true}");

        List<JsonNode> events = api.events(Api.ADMIN_TOKEN, job);

        assertThat(events.getLast().get("data").get("state").asString()).isEqualTo("succeeded");
        // The engine's result as stored: the default view adds each segment's id and version.
        JsonNode result = api.get("/api/v1/jobs/" + job + "/result?original=true", Api.ADMIN_TOKEN)
                .json();
        List<JsonNode> partials = events.stream()
                .filter(e -> e.get("kind").asString().equals("partial"))
                .map(e -> e.get("data"))
                .toList();
        assertThat(partials).isNotEmpty();
        assertThat(String.join(
                        " ",
                        partials.stream().map(p -> p.get("text").asString()).toList()))
                .isEqualTo(result.get("text").asString());
        assertThat(partials).isEqualTo(list(result.get("segments")));
        assertThat(result.get("text").asString()).contains("friday", "conference room");
        assertThat(events)
                .filteredOn(e -> e.get("kind").asString().equals("progress"))
                .extracting(e -> e.get("data").get("stage").asString())
                .contains("transcribing");
        assertThat(events)
                .filteredOn(e -> e.get("kind").asString().equals("progress")
                        && e.get("data").has("eta"))
                .isNotEmpty();

        Api.Response srt = api.get("/api/v1/jobs/" + job + "/result?format=srt", Api.ADMIN_TOKEN);
        assertThat(srt.status()).isEqualTo(200);
        assertThat(srt.header("Content-Type").orElseThrow()).startsWith("application/x-subrip");
        assertThat(srt.body()).startsWith("1\n00:00:0").contains(" --> ");
        assertThat(srt.header("Content-Disposition").orElseThrow())
                .startsWith("inline;")
                .contains(job + ".srt");
        assertThat(srt.header("Content-Security-Policy").orElseThrow())
                .contains("sandbox")
                .contains("default-src 'none'");
        assertThat(srt.header("X-Content-Type-Options")).contains("nosniff");
        Api.Response vtt = api.get("/api/v1/jobs/" + job + "/result?format=vtt", Api.ADMIN_TOKEN);
        assertThat(vtt.header("Content-Type").orElseThrow()).startsWith("text/vtt");
        assertThat(vtt.body()).startsWith("WEBVTT\n\n00:00:0");
        Api.Response txt = api.get("/api/v1/jobs/" + job + "/result?format=txt", Api.ADMIN_TOKEN);
        assertThat(txt.header("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(txt.body().replace('\n', ' ').strip())
                .isEqualTo(result.get("text").asString());
    }

    @Test
    void anUnknownResultFormatIsA400ListingTheAvailableOnes() throws Exception {
        String file = api.upload(Api.ADMIN_TOKEN, Files.readAllBytes(Fixtures.path("silence.wav")), "silence.wav")
                .json()
                .get("id")
                .asString();
        String job = api.submit(Api.ADMIN_TOKEN, "transcribe", file, "{}");
        api.events(Api.ADMIN_TOKEN, job);

        Api.Response pdf = api.get("/api/v1/jobs/" + job + "/result?format=pdf", Api.ADMIN_TOKEN);

        assertThat(pdf.status()).isEqualTo(400);
        assertThat(pdf.code()).isEqualTo("unknown_format");
        assertThat(pdf.json().get("field").asString()).isEqualTo("format");
        assertThat(list(pdf.json().get("available")))
                .extracting(JsonNode::asString)
                .containsExactly("json", "txt", "srt", "vtt");
        assertThat(api.get("/api/v1/jobs/" + job + "/result?format=srt", Api.ADMIN_TOKEN)
                        .body())
                .isEmpty();
    }

    @Test
    void anUnknownModelIsA400ListingTheInstalledOnes() throws Exception {
        String file = api.upload(Api.ADMIN_TOKEN, Files.readAllBytes(Fixtures.path("silence.wav")), "silence.wav")
                .json()
                .get("id")
                .asString();

        Api.Response submitted = api.post(
                "/api/v1/jobs",
                Api.ADMIN_TOKEN,
                "{\"type\":\"transcribe\",\"input\":{\"fileId\":\"" + file + "\"},\"params\":{\"model\":\"klingon\"}}");

        assertThat(submitted.status()).isEqualTo(400);
        assertThat(submitted.code()).isEqualTo("invalid_params");
        assertThat(submitted.body()).contains("en-us");
    }

    @Test
    void aFileWithoutSoundFailsWithNoAudioAndSaysSo() throws Exception {
        String file = api.upload(Api.ADMIN_TOKEN, Files.readAllBytes(Fixtures.path("video-only.mp4")), "video.mp4")
                .json()
                .get("id")
                .asString();
        String job = api.submit(Api.ADMIN_TOKEN, "transcribe", file, "{}");

        api.events(Api.ADMIN_TOKEN, job);

        JsonNode snapshot = api.job(Api.ADMIN_TOKEN, job);
        assertThat(snapshot.get("state").asString()).isEqualTo("failed");
        assertThat(snapshot.get("error").get("code").asString()).isEqualTo("no_audio");
        assertThat(snapshot.get("error").get("retryable").asBoolean()).isFalse();
        assertThat(snapshot.get("attempt").asInt())
                .as("a permanent error is not retried")
                .isEqualTo(1);
    }

    @Test
    void theProcessorListingShowsModelsWithTheirLanguageAndTheResultFormats() {
        JsonNode transcribe = api.processor("transcribe");

        assertThat(transcribe.get("details").get("models").get(0).get("name").asString())
                .isEqualTo("en-us");
        assertThat(transcribe
                        .get("details")
                        .get("models")
                        .get(0)
                        .get("language")
                        .asString())
                .isEqualTo("en-us");
        assertThat(list(transcribe.get("resultFormats")))
                .extracting(JsonNode::asString)
                .containsExactly("json", "txt", "srt", "vtt");
        assertThat(list(transcribe.get("params").get("properties").get("model").get("enum")))
                .extracting(JsonNode::asString)
                .contains("en-us");
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
