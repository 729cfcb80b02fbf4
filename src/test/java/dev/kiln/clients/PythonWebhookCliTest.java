package dev.kiln.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Python;
import dev.kiln.testing.WebhookReceiver;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The Python command line's webhook commands as a user runs them, against a running Kiln and a real
 * receiver on 127.0.0.1 (which the test configuration allows): add one (its secret shown once, and
 * it signs what arrives), list, read the delivery log, redeliver, rotate the callback secret,
 * delete; each refusal as one line from Kiln's problem.
 */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class PythonWebhookCliTest extends ApiTestBase {

    private String token;
    private PythonCli cli;
    private WebhookReceiver receiver;

    @BeforeEach
    void user() throws Exception {
        assumeTrue(Python.available(), "python3 (3.9+) is installed (.ci/run installs it)");
        token = api.newMember("pyw-" + UUID.randomUUID().toString().substring(0, 8));
        cli = new PythonCli(port, token);
        receiver = new WebhookReceiver();
    }

    @AfterEach
    void tearDown() {
        if (receiver == null) {
            return;
        }
        // A webhook left behind would go on posting in the shared Kiln.
        for (JsonNode hook : api.get("/api/v1/webhooks", token).json().get("items")) {
            api.delete("/api/v1/webhooks/" + hook.get("id").asString(), Api.ADMIN_TOKEN);
        }
        receiver.close();
    }

    @Test
    void aWebhookAddedFromTheCommandLineSignsWithTheSecretItShowedOnceAndItsDeliveriesAreListed() {
        PythonCli.Result none = cli.run("webhooks");
        assertThat(none.exit()).as(none.toString()).isZero();
        assertThat(none.stdout()).isEmpty();
        assertThat(none.stderr()).isEqualTo("no webhooks\n");

        PythonCli.Result added = cli.run(
                "webhook-add",
                receiver.url("/cli"),
                "--events",
                "job.succeeded",
                "--processors",
                "test-echo",
                "--description",
                "from the CLI");

        assertThat(added.exit()).as(added.toString()).isZero();
        String secret = added.stdout().strip();
        assertThat(secret).startsWith("whsec_").doesNotContain("\n");
        assertThat(added.stderr()).contains("shown this once").contains("never shows it again");
        JsonNode hook = api.get("/api/v1/webhooks", token).json().get("items").get(0);
        String id = hook.get("id").asString();
        assertThat(hook.get("events").toString()).isEqualTo("[\"job.succeeded\"]");
        PythonCli.Result listed = cli.run("webhooks");
        assertThat(listed.stdout().strip())
                .startsWith(id)
                .contains(receiver.url("/cli"), "job.succeeded", "test-echo", "(from the CLI)")
                .doesNotContain("whsec_");

        String job = api.submit(token, "test-echo", api.textFile(token, "hook me"), "{}");
        WebhookReceiver.Received got = receiver.await("/cli", 1).get(0);
        assertThat(WebhookReceiver.signedWith(got, secret)).isTrue();
        String delivery = got.webhookId();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cli.run("webhook-deliveries", id).stdout().contains("delivered"));
        PythonCli.Result log = cli.run("webhook-deliveries", id);
        assertThat(log.stdout().strip())
                .startsWith(delivery)
                .contains("job.succeeded", job, "delivered", "1 attempt", "200 in ");

        PythonCli.Result again = cli.run("webhook-redeliver", id, delivery);

        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.stdout()).startsWith(delivery).contains("pending");
        List<WebhookReceiver.Received> both = receiver.await("/cli", 2);
        assertThat(both.get(1).webhookId()).isEqualTo(delivery);

        PythonCli.Result deleted = cli.run("webhook-delete", id, "wh_nosuchhook");

        assertThat(deleted.exit()).as(deleted.toString()).isEqualTo(1);
        assertThat(deleted.stdout()).isEqualTo(id + " deleted\n");
        assertThat(deleted.stderr())
                .isEqualTo("kiln webhook-delete: No webhook wh_nosuchhook. [404 webhook_not_found]\n");
        assertThat(api.get("/api/v1/webhooks/" + id, token).status()).isEqualTo(404);
    }

    @Test
    void refusalsAreOneLineAndTheCallbackSecretIsShownOnce() {
        PythonCli.Result inward = cli.run("webhook-add", "http://10.1.2.3/hook");
        assertThat(inward.exit()).as(inward.toString()).isEqualTo(1);
        assertThat(inward.stderr().lines().toList())
                .singleElement()
                .asString()
                .startsWith("kiln webhook-add: ")
                .endsWith("[422 url_not_allowed]");
        PythonCli.Result unknown = cli.run("webhook-deliveries", "wh_nosuchhook");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.stderr())
                .isEqualTo("kiln webhook-deliveries: No webhook wh_nosuchhook. [404 webhook_not_found]\n");
        assertThat(cli.run("webhook-redeliver", "wh_nosuchhook").exit())
                .as("a usage error")
                .isEqualTo(2);

        PythonCli.Result rotated = cli.run("callback-secret");

        assertThat(rotated.exit()).as(rotated.toString()).isZero();
        assertThat(rotated.stdout().strip()).startsWith("whsec_");
        assertThat(rotated.stderr()).contains("Your callback secret").contains("callbackUrl");
        PythonCli.Result listed = cli.run("webhooks");
        assertThat(listed.stdout()).contains("job callbacks").doesNotContain("whsec_");
        PythonCli.Result log = cli.run("webhook-deliveries", listed.stdout().split(" ")[0]);
        assertThat(log.exit()).as(log.toString()).isZero();
        assertThat(log.stderr()).contains("nothing delivered yet");
    }
}
