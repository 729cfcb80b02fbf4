package dev.kiln.webapp;

import dev.kiln.extract.TestDocuments;
import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Search in real headless Chromium against a real Kiln (web/e2e/search.e2e.mjs): a recording
 * transcribed by Vosk and a PDF extracted by Tika are found by a word typed in the header; the hit
 * opens the job with the player at the segment's start, or the document at its passage and page.
 */
class SearchBrowserTest {

    @Test
    void aWordSpokenInARecordingOpensThePlayerAtThatMoment() throws Exception {
        BrowserScript.assumeChromium();
        Path dir = TestDatabases.tempDir("kiln-search-docs-");
        Path pdf = TestDocuments.textPdf(
                dir,
                "Quarterly report",
                "Kiln",
                List.of(
                        List.of(TestDocuments.paragraph("Quarterly", 300)),
                        List.of(TestDocuments.paragraph("Outlook", 300))));
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE), TestDatabases.tempDir("kiln-search-"), Map.of())) {
            BrowserScript.mustPass(
                    kiln,
                    "search.e2e.mjs",
                    Duration.ofMinutes(5),
                    "--speech",
                    Fixtures.path("speech.wav").toString(),
                    "--pdf",
                    pdf.toString());
        }
    }
}
