package dev.kiln.webapp;

import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Correcting a transcript in real headless Chromium against a real Kiln (web/e2e/edits.e2e.mjs):
 * a line edited with the keyboard, undone with Ctrl+Z, edited again, kept after a reload and in the
 * SRT download, and the engine's line restored from the line's history; a transcript of 10,000 lines keeps only a screenful of rows in the page and reaches
 * its last line by scrolling and by End.
 */
class EditsBrowserTest {

    @Test
    void aTranscriptIsCorrectedInChromiumAgainstARealKiln() throws Exception {
        BrowserScript.assumeChromium();
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE), TestDatabases.tempDir("kiln-e2e-edits-"), Map.of())) {
            BrowserScript.mustPass(kiln, "edits.e2e.mjs", Duration.ofMinutes(4));
        }
    }
}
