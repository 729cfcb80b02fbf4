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
 * The Library page in real headless Chromium against a real Kiln (web/e2e/library.e2e.mjs): a
 * recording and a two-page PDF, each with a finished job, listed with their duration and pages;
 * the recording plays, a result downloads, a search by name narrows the list and survives a
 * reload, a line of the recording's transcript is edited and the SRT download carries it, deleting a selection drops the usage figure at once,
 * the job whose file went shows "(deleted file)" in the jobs list and on its page, deleting a file a queued job needs
 * (in a selection, then on its own) is refused naming the file and the job, not their ids, and then goes with it, a
 * cancelled job whose file went offers no Retry and says why, and the empty library says what to do.
 */
class LibraryBrowserTest {

    @Test
    void theLibraryListsSearchesAndDeletesFilesInChromium() throws Exception {
        BrowserScript.assumeChromium();
        Path dir = TestDatabases.tempDir("kiln-library-docs-");
        Path pdf = TestDocuments.textPdf(
                dir,
                "Quarterly report",
                "Kiln",
                List.of(
                        List.of(TestDocuments.paragraph("Quarterly", 30)),
                        List.of(TestDocuments.paragraph("Outlook", 30))));
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                TestDatabases.tempDir("kiln-library-"),
                // One running job per user: a long one holds the slot, so a file's next job waits for it.
                Map.of("kiln.limits.max-running-jobs", "1"))) {
            BrowserScript.mustPass(
                    kiln,
                    "library.e2e.mjs",
                    Duration.ofMinutes(5),
                    "--speech",
                    Fixtures.path("speech.wav").toString(),
                    "--pdf",
                    pdf.toString());
        }
    }
}
