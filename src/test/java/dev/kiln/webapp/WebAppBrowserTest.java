package dev.kiln.webapp;

import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The web app in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
 * .ci/run installs it) against a real Kiln: web/e2e/app.e2e.mjs signs in with the link, uploads a
 * recording, watches the transcript grow, refreshes mid-job, downloads SRT, lives through a Kiln
 * restart mid-job and a crash mid-upload, cancels a running job, refreshes every route and goes offline and back; checks the
 * session cookie's flags, that no token is in storage and that the CSRF header is required; adds a member, issues and
 * revokes a token, reads the audit log, signs out and back in as the member, who is kept off the admin pages.
 * Screenshots land in target/screenshots. web/e2e/badge.e2e.mjs shows the connection badge when the
 * live connection is refused (too many connections), and the client back at once when the browser
 * is online again or the tab is shown.
 */
class WebAppBrowserTest {

    @Test
    void theAppWorksInChromiumAgainstARealKiln() throws Exception {
        BrowserScript.assumeChromium();
        // The script may restart Kiln: the test always stops the current one.
        KilnProcess[] kiln = {
            KilnProcess.start(
                    TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                    TestDatabases.tempDir("kiln-e2e-"),
                    Map.of("kiln.workers.shutdown-grace", "1s"))
        };
        try {
            BrowserScript.mustPass(
                    () -> kiln[0],
                    "app.e2e.mjs",
                    Duration.ofMinutes(8),
                    List.of("--speech", Fixtures.path("speech.wav").toString()),
                    line -> {
                        if (!line.equals("RESTART-KILN") && !line.equals("CRASH-KILN")) {
                            return null;
                        }
                        // A redeploy (SIGTERM) or a crash (SIGKILL), then the same Kiln on the same port.
                        kiln[0] = line.equals("RESTART-KILN") ? kiln[0].restart() : kiln[0].crashAndRestart();
                        return "restarted";
                    });
        } finally {
            kiln[0].close();
        }
    }

    @Test
    void theBadgeSaysWhyTheConnectionFailedAndItComesBackAtOnce() throws Exception {
        BrowserScript.assumeChromium();
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                TestDatabases.tempDir("kiln-badge-"),
                Map.of("kiln.stream.max-connections-per-user", "1"))) {
            BrowserScript.mustPass(kiln, "badge.e2e.mjs", Duration.ofMinutes(3));
        }
    }
}
