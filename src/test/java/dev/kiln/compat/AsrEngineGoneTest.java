package dev.kiln.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.Multipart;
import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.FileSystemUtils;

/**
 * {@code /asr} set to run on an installed Vosk model whose directory is removed while Kiln runs:
 * the client could not have named another engine, so it is told the server is at fault (503), not
 * that its request was wrong.
 */
// Its own database: its workers would otherwise claim other contexts' transcribe jobs and fail them here.
@TestPropertySource(properties = {"kiln.test.database=sqlite", "kiln.test.own-database=true"})
class AsrEngineGoneTest extends ApiTestBase {

    private static final String MODEL = "vosk-model-small-fr-0.22";
    private static final Path MODELS = temporaryModels();

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("kiln.transcribe.models-dir", MODELS::toString);
        registry.add("kiln.compat.asr-engine", () -> MODEL);
    }

    @Test
    void aConfiguredModelRemovedAfterTheStartAnswers503() throws IOException {
        String member = api.newMember("asr-gone");
        FileSystemUtils.deleteRecursively(MODELS.resolve(MODEL));

        Api.Response gone = api.send(new Multipart()
                .file("audio_file", "speech.wav", Fixtures.bytes("speech.wav"))
                .post(api, "/asr?output=json", member)
                .timeout(Duration.ofSeconds(30))
                .build());

        assertThat(gone.status()).isEqualTo(503);
        assertThat(gone.json().get("detail").asString())
                .contains("'" + MODEL + "'", "kiln.compat.asr-engine", "no longer installed");
        assertThat(gone.header("Kiln-Job-Id")).as("no job was made").isEmpty();
    }

    /** A models directory holding one model as Kiln lists it (its own {@code conf} directory). */
    private static Path temporaryModels() {
        try {
            Path models = TestDatabases.tempDir("kiln-asr-gone-");
            Files.createDirectories(models.resolve(MODEL).resolve("conf"));
            return models;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
