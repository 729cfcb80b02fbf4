package dev.kiln.webapp;

import dev.kiln.testing.BrowserScript;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Account page's webhooks in real headless Chromium against a real Kiln (web/e2e/webhooks.e2e.mjs):
 * a webhook added there gets a job's end, its first answer (500) and next try shown in the delivery
 * log, the retry verified by the {@code standardwebhooks} reference library with the secret the page
 * showed once, a redelivery with the same id, and the webhook deleted.
 */
class WebhooksBrowserTest {

    @Test
    void aWebhookAddedOnTheAccountPageIsDeliveredRetriedLoggedAndRedelivered() throws Exception {
        BrowserScript.assumeChromium();
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                TestDatabases.tempDir("kiln-webhooks-"),
                Map.of(
                        // The script's receiver is on loopback, where Kiln sends only when told to.
                        "kiln.webhooks.allowed-hosts", "127.0.0.1",
                        // Long enough for the page to show the failed first attempt before the retry.
                        "kiln.webhooks.retry-initial-backoff", "4s"))) {
            BrowserScript.mustPass(kiln, "webhooks.e2e.mjs", Duration.ofMinutes(3));
        }
    }
}
