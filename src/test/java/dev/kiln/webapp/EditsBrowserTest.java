package dev.kiln.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
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
        assumeTrue(BrowserScript.chromiumInstalled(), "Debian's chromium is installed (.ci/run installs it)");
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE), TestDatabases.tempDir("kiln-e2e-edits-"), Map.of())) {
            BrowserScript run = BrowserScript.run(
                    "edits.e2e.mjs",
                    List.of(
                            "--base",
                            "http://localhost:" + kiln.port(),
                            "--token",
                            Api.ADMIN_TOKEN,
                            "--shots",
                            BrowserScript.screenshots()),
                    Duration.ofMinutes(4),
                    line -> null);
            System.out.println(run.output());
            assertThat(run.exitCode())
                    .as("the browser test failed:\n" + run.output() + "\nKiln:\n" + kiln.log())
                    .isZero();
        }
    }
}
