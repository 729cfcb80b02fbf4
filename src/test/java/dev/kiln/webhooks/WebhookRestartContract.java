package dev.kiln.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import dev.kiln.testing.WebhookReceiver;
import dev.kiln.testing.WebhookReceiver.Received;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The outbox across real Kiln processes on one database: a delivery written with a job's end is
 * sent after the node that wrote it was killed, and a node started without the allowlist refuses
 * to deliver to the loopback address that was allowed when the endpoint was registered. One
 * subclass per database.
 */
abstract class WebhookRestartContract {

    private static final Duration WAIT = Duration.ofSeconds(60);

    abstract TestDatabases.Kind kind();

    private static String finishedEcho(Api api) {
        String job = api.submit(Api.ADMIN_TOKEN, "test-echo", api.textFile(Api.ADMIN_TOKEN, "ended"), "{}");
        await().atMost(WAIT).until(() -> api.state(Api.ADMIN_TOKEN, job).equals("succeeded"));
        return job;
    }

    private static JsonNode deliveryOf(Api api, String hook, String job) {
        for (JsonNode d : api.get("/api/v1/webhooks/" + hook + "/deliveries", Api.ADMIN_TOKEN)
                .json()
                .get("items")) {
            if (d.get("jobId").asString().equals(job)) {
                return d;
            }
        }
        return null;
    }

    @Test
    void aDeliveryWrittenWithTheJobsEndIsSentAfterACrashAndRefusedOnceItsHostIsNoLongerAllowed() throws Exception {
        String url = TestDatabases.fresh(kind());
        Path home = TestDatabases.tempDir("kiln-webhooks-");
        Map<String, String> allowed = Map.of(
                "kiln.webhooks.allowed-hosts", "127.0.0.1",
                "kiln.webhooks.interval", "100ms");
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            String hook;
            String secret;
            String firstJob;
            String messageId;
            // A node that sends nothing (concurrency 0): the job ends, its delivery waits in the outbox.
            try (KilnProcess first = KilnProcess.start(
                    url, home, Map.of("kiln.webhooks.allowed-hosts", "127.0.0.1", "kiln.webhooks.concurrency", "0"))) {
                Api api = first.api();
                Api.Response created =
                        api.post("/api/v1/webhooks", Api.ADMIN_TOKEN, "{\"url\":\"" + receiver.url("/restart") + "\"}");
                assertThat(created.status()).as(created.toString()).isEqualTo(201);
                hook = created.json().get("id").asString();
                secret = created.json().get("secret").asString();
                firstJob = finishedEcho(api);
                JsonNode waiting = deliveryOf(api, hook, firstJob);
                assertThat(waiting).as("written with the job's end").isNotNull();
                assertThat(waiting.get("status").asString()).isEqualTo("pending");
                assertThat(waiting.get("attempts").asInt()).isZero();
                messageId = waiting.get("id").asString();
                first.kill();
            }
            assertThat(receiver.received()).isEmpty();

            try (KilnProcess second = KilnProcess.start(url, home, allowed)) {
                Received got = receiver.await("/restart", 1).getFirst();
                assertThat(got.webhookId()).isEqualTo(messageId);
                assertThat(got.jobId()).isEqualTo(firstJob);
                assertThat(WebhookReceiver.signedWith(got, secret)).isTrue();
                await().atMost(WAIT)
                        .until(() -> deliveryOf(second.api(), hook, firstJob)
                                .get("status")
                                .asString()
                                .equals("delivered"));
                second.terminate();
            }

            // The admin took 127.0.0.1 off the allowlist: the endpoint stays, its deliveries are refused.
            try (KilnProcess third = KilnProcess.start(url, home, Map.of("kiln.webhooks.interval", "100ms"))) {
                Api api = third.api();
                String secondJob = finishedEcho(api);
                JsonNode refused = await().atMost(WAIT)
                        .until(
                                () -> deliveryOf(api, hook, secondJob),
                                d -> d != null && d.get("status").asString().equals("failed"));
                assertThat(refused.get("error").asString()).contains("refused").contains("loopback");
                assertThat(receiver.received()).hasSize(1);
            }
        }
    }
}
