package dev.kiln.transcribe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.TranscriptionServer;
import dev.kiln.testing.TranscriptionServer.Reply;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The language an OpenAI-style engine detected, kept as the ISO 639-1 code Kiln's results carry. */
class EngineClientLanguageTest {

    @Test
    void aLanguageNamedByTheEngineIsKeptAsItsCode() throws Exception {
        try (TranscriptionServer server = TranscriptionServer.start().script("named", (chunk, n) -> Reply.ok())) {
            TranscribeSettings.Engine engine = new TranscribeSettings.Engine(
                    URI.create(server.baseUrl("named")),
                    "whisper-1",
                    null,
                    1,
                    30,
                    Duration.ofSeconds(10),
                    1,
                    Duration.ofMillis(10));
            TranscribeSettings settings = new TranscribeSettings(null, 1, Map.of("named", engine));
            try (EngineClient client =
                    new EngineClient(JsonMapper.builder().build(), new SimpleMeterRegistry(), settings)) {
                byte[] wav = new byte[44 + 32_000]; // the server answers "language": "english"
                EngineClient.Heard heard = client.transcribe("named", engine, wav, null, false, false);
                assertThat(heard.utterances()).isNotEmpty();
                assertThat(heard.language()).isEqualTo("en");
            }
        }
    }

    @Test
    void namesMapToCodesAndCodesStay() {
        assertThat(LanguageCodes.of("English")).isEqualTo("en");
        assertThat(LanguageCodes.of("german")).isEqualTo("de");
        assertThat(LanguageCodes.of("en")).isEqualTo("en");
        assertThat(LanguageCodes.of("en-us")).isEqualTo("en-us");
        assertThat(LanguageCodes.of("klingonese")).isEqualTo("klingonese");
        assertThat(LanguageCodes.of(null)).isNull();
    }
}
