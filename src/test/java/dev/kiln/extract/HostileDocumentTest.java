package dev.kiln.extract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A compression bomb against a Kiln whose heap is capped far below what the bomb unpacks to. */
class HostileDocumentTest {

    @Test
    void aZipBombFailsAsTooLargeAndKilnWithA256MiBHeapGoesOnWorking() throws Exception {
        Path dir = TestDatabases.tempDir("kiln-hostile-");
        Path bomb = TestDocuments.zipBombDocx(dir, 512); // 512 MiB of text once inflated, twice the heap
        Path pdf = TestDocuments.textPdf(dir, "After", "Kiln", List.of(TestDocuments.paragraphs("Fine", 3, 40)));
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                dir.resolve("home"),
                Map.of(),
                List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"))) {
            Api api = kiln.api();

            JsonNode bombed = run(api, bomb, "bomb.docx");
            JsonNode fine = run(api, pdf, "after.pdf");

            assertThat(bombed.get("state").asString()).isEqualTo("failed");
            assertThat(bombed.get("error").get("code").asString()).isEqualTo("document_too_large");
            assertThat(fine.get("state").asString()).isEqualTo("succeeded");
            assertThat(kiln.alive()).isTrue();
            assertThat(kiln.log()).doesNotContain("OutOfMemoryError");
        }
    }

    private static JsonNode run(Api api, Path file, String name) throws Exception {
        Api.Response uploaded = api.upload(Api.ADMIN_TOKEN, Files.readAllBytes(file), name);
        assertThat(uploaded.status()).as(uploaded.toString()).isEqualTo(201);
        String job =
                api.submit(Api.ADMIN_TOKEN, "extract", uploaded.json().get("id").asString(), "{}");
        api.events(Api.ADMIN_TOKEN, job);
        return api.job(Api.ADMIN_TOKEN, job);
    }
}
