package dev.kiln.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.processors.JobFailure;
import dev.kiln.testing.RecordingContext;
import dev.kiln.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The extract processor on documents made in the test, run directly (no server). */
class ExtractorTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ExtractSettings SETTINGS = new ExtractSettings("tesseract", "eng", 300, 20_000_000);

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Extractor extractor = new Extractor(new Ocr(SETTINGS), SETTINGS, meters);
    private Path dir;

    @BeforeEach
    void dir() {
        dir = TestDatabases.tempDir("kiln-extract-");
    }

    @Test
    void aTextPdfGivesItsTextMetadataAndPagedSegmentsAsItGoes() throws Exception {
        List<List<String>> pages = List.of(
                TestDocuments.paragraphs("Alpha", 4, 60),
                TestDocuments.paragraphs("Beta", 4, 60),
                TestDocuments.paragraphs("Gamma", 4, 60));
        RecordingContext context =
                context(TestDocuments.textPdf(dir, "Kiln handbook", "Ada Potter", pages), "application/pdf");

        JsonNode result = run(context);

        JsonNode metadata = result.get("metadata");
        assertThat(metadata.get("title").asString()).isEqualTo("Kiln handbook");
        assertThat(metadata.get("author").asString()).isEqualTo("Ada Potter");
        assertThat(metadata.get("pages").asInt()).isEqualTo(3);
        assertThat(metadata.get("language").asString()).isEqualTo("en");
        assertThat(meters.get("kiln.extract.pages")
                        .tag("method", "text")
                        .counter()
                        .count())
                .isEqualTo(3);
        assertThat(meters.get("kiln.extract.pages")
                        .tag("method", "ocr")
                        .counter()
                        .count())
                .isZero();
        String text = result.get("text").asString();
        for (List<String> page : pages) {
            for (String paragraph : page) {
                assertThat(text).contains(paragraph);
            }
        }
        assertSegmentsCoverTheText(result, context);
        assertThat(result.get("segments").get(0).get("pages").get("from").asInt())
                .isEqualTo(1);
        assertThat(last(result.get("segments")).get("pages").get("to").asInt()).isEqualTo(3);
        assertThat(context.reports())
                .extracting(RecordingContext.Report::stage)
                .contains("parsing page 1/3", "parsing page 3/3", "segmenting");
        assertThat(context.reports())
                .extracting(RecordingContext.Report::fraction)
                .isSorted();
        assertThat(result.get("ocrPages")).isEmpty();
    }

    @Test
    void aScannedPdfIsReadByOcrPageByPage() throws Exception {
        assumeTrue(new Ocr(SETTINGS).availability().available(), "Tesseract is installed (.ci/run installs it)");
        RecordingContext context = context(
                TestDocuments.scannedPdf(
                        dir,
                        List.of(
                                "The quarterly report is ready for the finance team",
                                "Meeting moved to the large conference room")),
                "application/pdf");

        JsonNode result = run(context);

        String text = result.get("text").asString().toLowerCase(java.util.Locale.ROOT);
        assertThat(text).contains("quarterly report", "finance team", "conference room");
        assertThat(result.get("ocrPages").toString()).isEqualTo("[1,2]");
        assertThat(context.reports())
                .extracting(RecordingContext.Report::stage)
                .contains("ocr page 1/2", "ocr page 2/2");
        assertSegmentsCoverTheText(result, context);
    }

    @Test
    void anImageIsReadByOcr() throws Exception {
        assumeTrue(new Ocr(SETTINGS).availability().available(), "Tesseract is installed (.ci/run installs it)");

        JsonNode result = run(context(TestDocuments.png(dir, "Glaze recipes for stoneware"), "image/png"));

        assertThat(result.get("text").asString().toLowerCase(java.util.Locale.ROOT))
                .contains("glaze recipes", "stoneware");
    }

    @Test
    void withoutTesseractAnImageFailsAsOcrUnavailableNeverEmpty() throws Exception {
        ExtractSettings missing = new ExtractSettings("/nonexistent/tesseract", "eng", 300, 20_000_000);
        Extractor blind = new Extractor(new Ocr(missing), missing, new SimpleMeterRegistry());
        Path png = TestDocuments.png(dir, "Glaze recipes");

        assertThatThrownBy(() -> blind.run(context(png, "image/png")))
                .isInstanceOfSatisfying(
                        JobFailure.class, f -> assertThat(f.code()).isEqualTo("ocr_unavailable"));
        assertThat(blind.details().toString()).contains("available=false");
    }

    @Test
    void aWordDocumentKeepsItsHeadingsAsSegmentStarts() throws Exception {
        Path docx = TestDocuments.docx(
                dir,
                List.of("Loading the kiln", "Cooling down"),
                List.of(TestDocuments.paragraphs("Shelves", 3, 40), TestDocuments.paragraphs("Vents", 2, 40)));
        RecordingContext context =
                context(docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");

        JsonNode result = run(context);

        assertThat(result.get("metadata").get("title").asString()).isEqualTo("Firing notes");
        assertThat(result.get("segments"))
                .extracting(s -> s.path("heading").asString(""))
                .containsExactly("Loading the kiln", "Cooling down");
        assertSegmentsCoverTheText(result, context);
        String markdown = dev.kiln.processors.DocumentFormats.markdown(result);
        assertThat(markdown)
                .startsWith("# Firing notes\n\n## Loading the kiln\n\nShelves0 ")
                .contains("\n\n## Cooling down\n\nVents0 ");
    }

    @Test
    void htmlGivesItsTitleAndParagraphs() throws Exception {
        Path html = dir.resolve("page.html");
        Files.writeString(
                html,
                "<html><head><title>Studio news</title></head><body><h1>Open day</h1>"
                        + "<p>The studio opens its doors on Saturday.</p><p>Bring your own <b>clay</b>.</p><script>var x = 1;</script></body></html>");

        JsonNode result = run(context(html, "text/html"));

        assertThat(result.get("metadata").get("title").asString()).isEqualTo("Studio news");
        assertThat(result.get("text").asString())
                .isEqualTo("Open day\n\nThe studio opens its doors on Saturday.\n\nBring your own clay.");
        assertThat(result.get("segments").get(0).get("heading").asString()).isEqualTo("Open day");
    }

    @Test
    void anEncryptedPdfFailsAsEncrypted() throws Exception {
        Path pdf = TestDocuments.encryptedPdf(dir);

        assertThatThrownBy(() -> extractor.run(context(pdf, "application/pdf")))
                .isInstanceOfSatisfying(JobFailure.class, f -> {
                    assertThat(f.code()).isEqualTo("document_encrypted");
                    assertThat(f.retryable()).isFalse();
                });
    }

    @Test
    void aCorruptPdfFailsAsUnreadable() throws Exception {
        Path pdf = dir.resolve("corrupt.pdf");
        byte[] junk = new byte[4096];
        new java.util.Random(7).nextBytes(junk);
        Files.write(
                pdf,
                ("%PDF-1.7\n" + new String(junk, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1));

        assertThatThrownBy(() -> extractor.run(context(pdf, "application/pdf")))
                .isInstanceOfSatisfying(
                        JobFailure.class, f -> assertThat(f.code()).isEqualTo("document_unreadable"));
    }

    @Test
    void aZipBombDocxIsRefusedAsTooLarge() throws Exception {
        Path bomb = TestDocuments.zipBombDocx(dir, 512); // 512 MiB inflated, about 0.5 MB on disk
        assertThat(Files.size(bomb)).isLessThan(1024 * 1024);

        assertThatThrownBy(() -> extractor.run(
                        context(bomb, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")))
                .isInstanceOfSatisfying(
                        JobFailure.class, f -> assertThat(f.code()).isEqualTo("document_too_large"));
    }

    @Test
    void moreTextThanTheLimitFailsAsTooLarge() throws Exception {
        ExtractSettings small = new ExtractSettings("tesseract", "eng", 300, 1000);
        Path txt = dir.resolve("long.txt");
        Files.writeString(txt, String.join("\n\n", TestDocuments.paragraphs("Long", 50, 30)));

        assertThatThrownBy(() ->
                        new Extractor(new Ocr(small), small, new SimpleMeterRegistry()).run(context(txt, "text/plain")))
                .isInstanceOfSatisfying(
                        JobFailure.class, f -> assertThat(f.code()).isEqualTo("document_too_large"));
    }

    @Test
    void aCancelStopsTheWorkAtTheNextPage() throws Exception {
        List<List<String>> pages = Collections.nCopies(400, TestDocuments.paragraphs("Page", 6, 60));
        RecordingContext context = context(TestDocuments.textPdf(dir, "Long", "A", pages), "application/pdf");

        context.cancelWhen(extractor, r -> r.stage().startsWith("parsing page 2/"));
        // Each page is reported as it starts: at most the one in hand when the cancel came.
        assertThat(context.reportsSinceCancel()).isLessThanOrEqualTo(1);
    }

    /** Segments are what was published, in order, each exactly its stretch of the text, covering all of it. */
    static void assertSegmentsCoverTheText(JsonNode result, RecordingContext context) {
        String text = result.get("text").asString();
        List<JsonNode> segments = new ArrayList<>();
        result.get("segments").forEach(segments::add);
        assertThat(context.partials()).isEqualTo(segments);
        int covered = 0;
        for (JsonNode segment : segments) {
            int start = segment.get("start").asInt();
            int end = segment.get("end").asInt();
            assertThat(text.substring(start, end)).isEqualTo(segment.get("text").asString());
            assertThat(text.substring(covered, start)).isBlank();
            covered = end;
        }
        assertThat(covered).isEqualTo(text.length());
    }

    private JsonNode run(RecordingContext context) throws IOException {
        return JSON.valueToTree(extractor.run(context));
    }

    private static JsonNode last(JsonNode array) {
        return array.get(array.size() - 1);
    }

    private RecordingContext context(Path file, String mediaType) {
        return new RecordingContext(file, mediaType, JSON.createObjectNode());
    }
}
