package dev.kiln.webapp;

import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * External workers in the web app, in real headless Chromium against a real Kiln:
 * web/e2e/workers.e2e.mjs plays the worker over HTTP (a worker user, a declared processor that
 * takes no file, claim, progress, partials, complete) while the page offers that processor in New
 * job with its params form, shows a refused param next to its field, submits a job without a file,
 * says it waits for a worker, and shows the worker's partial results live. Then a worker processor
 * shaped as a transcript gets an uploaded recording; its two speakers show live, the owner renames
 * one (the name sticks after a reload), the VTT download carries the name, and a line's time seeks
 * the player.
 */
class WorkersBrowserTest {

    @Test
    void workerProcessorsWorkInChromiumAgainstARealKiln() throws Exception {
        BrowserScript.assumeChromium();
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE), TestDatabases.tempDir("kiln-e2e-workers-"), Map.of())) {
            BrowserScript.mustPass(
                    kiln,
                    "workers.e2e.mjs",
                    Duration.ofMinutes(4),
                    "--speech",
                    Fixtures.path("speech.wav").toString());
        }
    }
}
