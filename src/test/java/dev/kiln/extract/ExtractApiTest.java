package dev.kiln.extract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/** {@code extract} through the HTTP API: upload, submit, follow the event log, download. */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class ExtractApiTest extends ApiTestBase {

    @Test
    void thePartialResultsASubscriberSeesAreTheSegmentsOfTheFinalText() throws Exception {
        Path dir = TestDatabases.tempDir("kiln-extract-api-");
        List<List<String>> pages =
                List.of(TestDocuments.paragraphs("North", 6, 80), TestDocuments.paragraphs("South", 6, 80));
        Path pdf = TestDocuments.textPdf(dir, "Two pages", "Kiln", pages);
        String file = api.upload(Api.ADMIN_TOKEN, Files.readAllBytes(pdf), "two.pdf")
                .json()
                .get("id")
                .asString();
        String job = api.submit(Api.ADMIN_TOKEN, "extract", file, "{}");

        List<JsonNode> events = api.events(Api.ADMIN_TOKEN, job);

        assertThat(events.getLast().get("data").get("state").asString()).isEqualTo("succeeded");
        JsonNode result = api.get("/api/v1/jobs/" + job + "/result?original=true", Api.ADMIN_TOKEN)
                .json();
        List<JsonNode> partials = events.stream()
                .filter(e -> e.get("kind").asString().equals("partial"))
                .map(e -> e.get("data"))
                .toList();
        List<JsonNode> segments = new ArrayList<>();
        result.get("segments").forEach(segments::add);
        assertThat(partials).hasSizeGreaterThan(1).isEqualTo(segments);
        StringBuilder rebuilt = new StringBuilder();
        for (JsonNode partial : partials) {
            rebuilt.append(rebuilt.isEmpty() ? "" : "\n\n")
                    .append(partial.get("text").asString());
        }
        assertThat(rebuilt.toString()).isEqualTo(result.get("text").asString());
        assertThat(events)
                .filteredOn(e -> e.get("kind").asString().equals("progress"))
                .extracting(e -> e.get("data").get("stage").asString())
                .isNotEmpty();

        Api.Response txt = api.get("/api/v1/jobs/" + job + "/result?format=txt", Api.ADMIN_TOKEN);
        assertThat(txt.header("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(txt.body()).isEqualTo(result.get("text").asString() + "\n");
        Api.Response md = api.get("/api/v1/jobs/" + job + "/result?format=md", Api.ADMIN_TOKEN);
        assertThat(md.header("Content-Type").orElseThrow()).startsWith("text/markdown");
        assertThat(md.body()).startsWith("# Two pages\n\nNorth0 ");
    }

    @Test
    void anEncryptedPdfFailsWithItsOwnCodeAndIsNotRetried() throws Exception {
        Path pdf = TestDocuments.encryptedPdf(TestDatabases.tempDir("kiln-extract-api-"));
        String file = api.upload(Api.ADMIN_TOKEN, Files.readAllBytes(pdf), "secret.pdf")
                .json()
                .get("id")
                .asString();
        String job = api.submit(Api.ADMIN_TOKEN, "extract", file, "{}");

        api.events(Api.ADMIN_TOKEN, job);

        JsonNode snapshot = api.job(Api.ADMIN_TOKEN, job);
        assertThat(snapshot.get("state").asString()).isEqualTo("failed");
        assertThat(snapshot.get("error").get("code").asString()).isEqualTo("document_encrypted");
        assertThat(snapshot.get("attempt").asInt()).isEqualTo(1);
    }

    @Test
    void theProcessorListingSaysWhetherOcrIsAvailable() {
        JsonNode extract = api.processor("extract");

        assertThat(extract.get("details").get("ocr").get("available").isBoolean())
                .isTrue();
        assertThat(extract.get("accepts").toString()).contains("application/pdf", "image/png");
        assertThat(extract.get("resultFormats").toString()).isEqualTo("[\"json\",\"txt\",\"md\"]");
    }
}
