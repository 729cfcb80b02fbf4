package dev.kiln.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import dev.kiln.testing.Zips;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A batch in real headless Chromium against a real Kiln (web/e2e/batches.e2e.mjs): three text files
 * dropped on New job become one batch run by the real extract processor, its page follows them to
 * the end, and "Download all" saves a zip, opened here: one text per file, named after the files
 * (the repeated name made unique), and the manifest.
 */
class BatchesBrowserTest {

    @Test
    void droppedFilesBecomeABatchFollowedToTheEndAndDownloadedAsAZip() throws Exception {
        BrowserScript.assumeChromium();
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE), TestDatabases.tempDir("kiln-batches-"), Map.of())) {
            BrowserScript run = BrowserScript.mustPass(kiln, "batches.e2e.mjs", Duration.ofMinutes(4));
            String zip = run.output()
                    .lines()
                    .filter(line -> line.startsWith("ZIP "))
                    .findFirst()
                    .orElseThrow()
                    .substring(4);

            Map<String, String> entries = Zips.texts(Files.newInputStream(Path.of(zip)));

            assertThat(entries.keySet())
                    .containsExactly("minutes.txt", "minutes (2).txt", "notes.txt", "manifest.json");
            assertThat(entries.get("minutes.txt")).contains("the kiln was fired");
            assertThat(entries.get("minutes (2).txt")).contains("the glaze held");
            assertThat(entries.get("notes.txt")).contains("order more clay");
            assertThat(entries.get("manifest.json")).contains("\"format\" : \"txt\"");
        }
    }
}
