package dev.kiln.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.Api;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
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
        assumeTrue(BrowserScript.chromiumInstalled(), "Debian's chromium is installed (.ci/run installs it)");
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE), TestDatabases.tempDir("kiln-e2e-workers-"), Map.of())) {
            BrowserScript run = BrowserScript.run(
                    "workers.e2e.mjs",
                    List.of(
                            "--base",
                            "http://localhost:" + kiln.port(),
                            "--token",
                            Api.ADMIN_TOKEN,
                            "--speech",
                            Fixtures.path("speech.wav").toString(),
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
