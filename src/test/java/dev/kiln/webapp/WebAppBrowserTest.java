package dev.kiln.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.Api;
import dev.kiln.testing.Fixtures;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The web app in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
 * .ci/run installs it) against a real Kiln: web/e2e/app.e2e.mjs signs in with the link, uploads a
 * recording, watches the transcript grow, refreshes mid-job, downloads SRT, lives through a Kiln
 * restart mid-job and a crash mid-upload, cancels a running job, refreshes every route and goes offline and back; checks the
 * session cookie's flags, that no token is in storage and that the CSRF header is required; adds a member, issues and
 * revokes a token, reads the audit log, signs out and back in as the member, who is kept off the admin pages.
 * Screenshots land in target/screenshots.
 */
class WebAppBrowserTest {

    @Test
    void theAppWorksInChromiumAgainstARealKiln() throws Exception {
        assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/chromium")),
                "Debian's chromium is installed (.ci/run installs it)");
        KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                TestDatabases.tempDir("kiln-e2e-"),
                Map.of("kiln.workers.shutdown-grace", "1s"));
        StringBuilder output = new StringBuilder();
        try {
            Process node = new ProcessBuilder(List.of(
                            "node",
                            "e2e/app.e2e.mjs",
                            "--base",
                            "http://localhost:" + kiln.port(),
                            "--token",
                            Api.ADMIN_TOKEN,
                            "--speech",
                            Fixtures.path("speech.wav").toString(),
                            "--shots",
                            Path.of("target/screenshots").toAbsolutePath().toString()))
                    .directory(Path.of("web").toFile())
                    .redirectErrorStream(true)
                    .start();
            CompletableFuture.delayedExecutor(8, TimeUnit.MINUTES)
                    .execute(node::destroyForcibly); // never hang the build
            try (BufferedReader lines =
                            new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                    Writer toNode = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8)) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.append(line).append('\n');
                    if (line.equals("RESTART-KILN") || line.equals("CRASH-KILN")) {
                        // A redeploy (SIGTERM) or a crash (SIGKILL), then the same Kiln on the same port.
                        kiln = line.equals("RESTART-KILN") ? kiln.restart() : kiln.crashAndRestart();
                        toNode.write("restarted\n");
                        toNode.flush();
                    }
                }
            }
            assertThat(node.waitFor(1, TimeUnit.MINUTES)).isTrue();
            System.out.println(output);
            assertThat(node.exitValue())
                    .as("the browser test failed:\n" + output + "\nKiln:\n" + kiln.log())
                    .isZero();
        } finally {
            kiln.close();
        }
    }
}
