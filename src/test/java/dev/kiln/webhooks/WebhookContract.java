package dev.kiln.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.db.Database;
import dev.kiln.support.Ids;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.WebhookReceiver;
import dev.kiln.testing.WebhookReceiver.Received;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Signed webhooks over HTTP, against a real receiver on 127.0.0.1 (allowlisted in the tests'
 * settings) that checks every signature by the Standard Webhooks rules: each end of a job is one
 * delivery, filters hold, a failing receiver is retried with the same webhook-id, a delivery is sent
 * again by hand, redirects are not followed, and a loopback address nobody allowed is refused when
 * registered and again when delivered.
 */
abstract class WebhookContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    Database db;

    WebhookReceiver receiver;
    String member;
    String memberId;
    final List<String> hooks = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        receiver = new WebhookReceiver();
        member = api.newMember("hooked-" + UUID.randomUUID());
        memberId = api.userId(member);
    }

    @AfterEach
    void tearDown() {
        // A webhook left behind would go on retrying its failed deliveries in the shared Kiln.
        hooks.forEach(id -> api.delete("/api/v1/webhooks/" + id, Api.ADMIN_TOKEN));
        receiver.close();
    }

    /** A webhook of the member's: its view with its secret. */
    private JsonNode register(String body) {
        Api.Response created = api.post("/api/v1/webhooks", member, body);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        hooks.add(created.json().get("id").asString());
        return created.json();
    }

    private JsonNode register(String path, String extra) {
        return register("{\"url\":\"" + receiver.url(path) + "\"" + extra + "}");
    }

    private String finished(String type, String params, String state) {
        String job = api.submit(member, type, api.textFile(member, "hook me " + UUID.randomUUID()), params);
        await().atMost(WAIT).until(() -> api.state(member, job).equals(state));
        return job;
    }

    private String cancelled() {
        String job = api.submit(member, "test-sleep", api.textFile(member, "long"), "{\"ms\":60000}");
        Api.Response cancel = api.postEmpty("/api/v1/jobs/" + job + "/cancel", member);
        assertThat(cancel.status()).isIn(200, 202);
        await().atMost(WAIT).until(() -> api.state(member, job).equals("cancelled"));
        return job;
    }

    private JsonNode deliveries(String hook) {
        Api.Response page = api.get("/api/v1/webhooks/" + hook + "/deliveries", member);
        assertThat(page.status()).as(page.toString()).isEqualTo(200);
        return page.json().get("items");
    }

    private JsonNode awaitDelivery(String hook, Predicate<JsonNode> done) {
        return await().atMost(WAIT).until(() -> deliveries(hook).get(0), d -> d != null && done.test(d));
    }

    @Test
    void anEndpointIsRegisteredWithASecretShownOnceThenListedReadAndDeleted() {
        JsonNode created = register("/hook", ",\"description\":\"CI\"");
        String id = created.get("id").asString();
        String secret = created.get("secret").asString();
        assertThat(id).startsWith("wh_");
        assertThat(secret).startsWith("whsec_");
        assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(32);
        assertThat(created.get("kind").asString()).isEqualTo("endpoint");
        assertThat(created.get("events"))
                .extracting(JsonNode::asString)
                .containsExactly("job.succeeded", "job.failed", "job.cancelled");
        assertThat(created.has("processors")).as("every processor").isFalse();

        JsonNode read = api.get("/api/v1/webhooks/" + id, member).json();
        assertThat(read.get("url").asString()).isEqualTo(receiver.url("/hook"));
        assertThat(read.get("description").asString()).isEqualTo("CI");
        assertThat(read.has("secret")).as("the secret is shown once").isFalse();
        JsonNode list = api.get("/api/v1/webhooks", member).json().get("items");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).has("secret")).isFalse();
        assertThat(api.get("/api/v1/webhooks", Api.ADMIN_TOKEN).body()).doesNotContain(id);

        assertThat(api.delete("/api/v1/webhooks/" + id, member).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/webhooks/" + id, member).code()).isEqualTo("webhook_not_found");
        for (String action : List.of("webhook.created", "webhook.deleted")) {
            JsonNode entries = api.get("/api/v1/admin/audit?action=" + action, Api.ADMIN_TOKEN)
                    .json()
                    .get("items");
            assertThat(entries.findValues("target"))
                    .as(action)
                    .anyMatch(t -> t.get("id").asString().equals(id));
        }
    }

    @Test
    void badRegistrationsAreRefusedWithAProblemNamingWhatIsWrong() {
        String port = Integer.toString(receiver.port());
        Map<String, String> invalid = Map.of(
                "{\"url\":\"ftp://example.com/x\"}",
                "url",
                "{\"url\":\"https://user:pw@example.com/\"}",
                "url",
                "{\"events\":[\"job.succeeded\"]}",
                "url",
                "{\"url\":\"" + receiver.url("/") + "\",\"events\":[\"job.exploded\"]}",
                "events[0]",
                "{\"url\":\"" + receiver.url("/") + "\",\"events\":[]}",
                "events",
                "{\"url\":\"" + receiver.url("/") + "\",\"processors\":[\"Not A Name\"]}",
                "processors[0]",
                "{\"url\":\"" + receiver.url("/") + "\",\"secret\":\"mine\"}",
                "secret",
                "{\"url\":\"https://127.0.0.1:70000/hook\"}",
                "url",
                "{\"url\":\"https://example.com./hook\"}",
                "url");
        invalid.forEach((body, field) -> {
            Api.Response refused = api.post("/api/v1/webhooks", member, body);
            assertThat(refused.status()).as(body).isEqualTo(400);
            assertThat(refused.code()).as(body).isEqualTo("invalid_field");
            assertThat(refused.json().get("field").asString()).as(body).isEqualTo(field);
        });
        Map<String, String> notAllowed = Map.of(
                "http://localhost:" + port + "/",
                "loopback",
                "http://127.0.0.2:" + port + "/",
                "loopback",
                "http://[::1]:" + port + "/",
                "loopback",
                "http://10.0.0.8/",
                "private",
                "http://169.254.169.254/latest/meta-data/",
                "metadata",
                "http://[fd00:ec2::254]/",
                "metadata",
                "http://[fe80::1]/",
                "link-local",
                "http://239.1.2.3/",
                "multicast");
        notAllowed.forEach((url, reason) -> {
            Api.Response refused = api.post("/api/v1/webhooks", member, "{\"url\":\"" + url + "\"}");
            assertThat(refused.status()).as(url).isEqualTo(422);
            assertThat(refused.header("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(refused.code()).as(url).isEqualTo("url_not_allowed");
            assertThat(refused.json().get("reason").asString()).as(url).isEqualTo(reason);
            assertThat(refused.json().get("field").asString()).isEqualTo("url");
        });
        assertThat(api.get("/api/v1/webhooks", member).json().get("items")).isEmpty();
    }

    @Test
    void everyEndOfAJobIsOneDeliverySignedAsStandardWebhooksSays() {
        JsonNode hook = register("/ends", "");
        String secret = hook.get("secret").asString();
        String succeeded = finished("test-echo", "{}", "succeeded");
        String failed = finished("test-fail", "{\"retryable\":false,\"code\":\"planned\"}", "failed");
        String cancelled = cancelled();

        List<Received> got = receiver.await("/ends", 3);
        assertThat(got).hasSize(3);
        for (Received r : got) {
            assertThat(WebhookReceiver.signedWith(r, secret)).as(r.body()).isTrue();
            assertThat(WebhookReceiver.signedWith(r, hook.get("secret").asString() + "x"))
                    .isFalse();
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(r.webhookId()).startsWith("msg_");
            long sent = Long.parseLong(r.header("webhook-timestamp"));
            assertThat(Math.abs(Instant.now().getEpochSecond() - sent)).isLessThan(60);
        }
        assertThat(got).extracting(Received::jobId).containsExactlyInAnyOrder(succeeded, failed, cancelled);
        JsonNode ok = byJob(got, succeeded);
        assertThat(ok.get("type").asString()).isEqualTo("job.succeeded");
        assertThat(Instant.parse(ok.get("timestamp").asString())).isBeforeOrEqualTo(Instant.now());
        assertThat(ok.get("data").get("type").asString()).isEqualTo("test-echo");
        assertThat(ok.get("data").get("state").asString()).isEqualTo("succeeded");
        assertThat(ok.get("data").get("result").get("href").asString())
                .isEqualTo("/api/v1/jobs/" + succeeded + "/result");
        assertThat(ok.get("data").get("seq").asLong())
                .isEqualTo(api.job(member, succeeded).get("seq").asLong());
        JsonNode bad = byJob(got, failed);
        assertThat(bad.get("type").asString()).isEqualTo("job.failed");
        assertThat(bad.get("data").get("error").get("code").asString()).isEqualTo("planned");
        assertThat(bad.get("data").has("result")).isFalse();
        assertThat(byJob(got, cancelled).get("type").asString()).isEqualTo("job.cancelled");

        String id = hook.get("id").asString();
        await().atMost(WAIT)
                .until(() -> deliveries(id).findValues("status").stream()
                        .allMatch(s -> s.asString().equals("delivered")));
        JsonNode log = deliveries(id);
        assertThat(log).hasSize(3);
        assertThat(log.findValuesAsString("id"))
                .containsExactlyInAnyOrderElementsOf(
                        got.stream().map(Received::webhookId).toList());
        for (JsonNode d : log) {
            assertThat(d.get("attempts").asInt()).isEqualTo(1);
            assertThat(d.get("responseStatus").asInt()).isEqualTo(200);
            assertThat(d.get("latencyMs").asLong()).isNotNegative();
            assertThat(d.has("nextAttemptAt")).isFalse();
        }
    }

    private static JsonNode byJob(List<Received> got, String job) {
        return got.stream()
                .filter(r -> r.jobId().equals(job))
                .findFirst()
                .orElseThrow()
                .json();
    }

    @Test
    void eventKindsAndProcessorsFilterWhatAnEndpointIsSent() {
        String failures =
                register("/failures", ",\"events\":[\"job.failed\"]").get("id").asString();
        String echoes = register("/echoes", ",\"events\":[\"job.succeeded\"],\"processors\":[\"test-echo\"]")
                .get("id")
                .asString();
        String echo = finished("test-echo", "{}", "succeeded");
        finished("test-noop", "{}", "succeeded");
        String failed = finished("test-fail", "{\"retryable\":false}", "failed");
        cancelled();
        // Another user's job is nothing to this member's endpoints.
        String other = api.newMember("other-" + UUID.randomUUID());
        String theirs = api.submit(other, "test-echo", api.textFile(other, "theirs"), "{}");
        await().atMost(WAIT).until(() -> api.state(other, theirs).equals("succeeded"));

        // The outbox is written with each job's end, so what is not in it by now never will be.
        assertThat(deliveries(failures).findValuesAsString("jobId")).containsExactly(failed);
        assertThat(deliveries(echoes).findValuesAsString("jobId")).containsExactly(echo);
        assertThat(receiver.await("/failures", 1)).extracting(Received::jobId).containsExactly(failed);
        assertThat(receiver.await("/echoes", 1)).extracting(Received::jobId).containsExactly(echo);
    }

    @Test
    void aReceiverThatFailsIsTriedAgainWithTheSameWebhookIdUntilItAnswers2xx() {
        JsonNode hook = register("/flaky", ",\"events\":[\"job.succeeded\"]");
        receiver.answer(500, 503);
        String job = finished("test-echo", "{}", "succeeded");

        List<Received> got = receiver.await("/flaky", 3);
        assertThat(got)
                .extracting(Received::webhookId)
                .containsOnly(got.getFirst().webhookId());
        assertThat(got).extracting(Received::body).containsOnly(got.getFirst().body());
        got.forEach(
                r -> assertThat(WebhookReceiver.signedWith(r, hook.get("secret").asString()))
                        .isTrue());
        JsonNode delivery = awaitDelivery(
                hook.get("id").asString(), d -> d.get("status").asString().equals("delivered"));
        assertThat(delivery.get("attempts").asInt()).isEqualTo(3);
        assertThat(delivery.get("jobId").asString()).isEqualTo(job);
        assertThat(delivery.get("responseStatus").asInt()).isEqualTo(200);
        assertThat(delivery.has("error")).isFalse();
    }

    @Test
    void aFailingDeliveryShowsItsLastAnswerAndItsNextTry() {
        JsonNode hook = register("/down", ",\"events\":[\"job.succeeded\"]");
        receiver.answer(500, 500, 500, 500, 500, 500, 500, 500, 500, 500);
        finished("test-echo", "{}", "succeeded");
        JsonNode failing =
                awaitDelivery(hook.get("id").asString(), d -> d.get("attempts").asInt() >= 2);
        assertThat(failing.get("status").asString()).isEqualTo("pending");
        assertThat(failing.get("responseStatus").asInt()).isEqualTo(500);
        assertThat(failing.get("error").asString()).startsWith("HTTP 500: {\"received\":");
        assertThat(failing.has("nextAttemptAt")).isTrue();
    }

    @Test
    void aFailingAnswerThatIsNoTextIsRecordedOnEveryDatabase() {
        // Was never recorded on PostgreSQL, which refuses the NUL in the answer's excerpt: claimed again and again.
        JsonNode hook = register("/binary", ",\"events\":[\"job.succeeded\"]");
        receiver.answer(500, 500, 500, 500, 500, 500, 500, 500, 500, 500);
        finished("test-echo", "{}", "succeeded");
        JsonNode failing =
                awaitDelivery(hook.get("id").asString(), d -> d.get("attempts").asInt() >= 1);
        assertThat(failing.get("responseStatus").asInt()).isEqualTo(500);
        assertThat(failing.get("error").asString())
                .startsWith("HTTP 500: {\"received\":")
                .doesNotContain("\u0000");
    }

    @Test
    void aDeliveryIsSentAgainByHandWithTheSameWebhookId() {
        JsonNode hook = register("/again", ",\"events\":[\"job.succeeded\"]");
        String id = hook.get("id").asString();
        finished("test-echo", "{}", "succeeded");
        Received first = receiver.await("/again", 1).getFirst();
        JsonNode delivered = awaitDelivery(id, d -> d.get("status").asString().equals("delivered"));

        Api.Response again = api.postEmpty(
                "/api/v1/webhooks/" + id + "/deliveries/" + delivered.get("id").asString() + "/redeliver", member);
        assertThat(again.status()).as(again.toString()).isEqualTo(202);
        assertThat(again.json().get("status").asString()).isEqualTo("pending");

        Received second = receiver.await("/again", 2).get(1);
        assertThat(second.webhookId())
                .isEqualTo(first.webhookId())
                .isEqualTo(delivered.get("id").asString());
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(WebhookReceiver.signedWith(second, hook.get("secret").asString()))
                .isTrue();
        awaitDelivery(
                id,
                d -> d.get("status").asString().equals("delivered")
                        && d.get("attempts").asInt() == 2);

        assertThat(api.postEmpty("/api/v1/webhooks/" + id + "/deliveries/msg_" + "a".repeat(26) + "/redeliver", member)
                        .code())
                .isEqualTo("delivery_not_found");
        String stranger = api.newMember("stranger-" + UUID.randomUUID());
        assertThat(api.postEmpty(
                                "/api/v1/webhooks/" + id + "/deliveries/"
                                        + delivered.get("id").asString() + "/redeliver",
                                stranger)
                        .code())
                .isEqualTo("webhook_not_found");
    }

    @Test
    void aRedirectIsNotFollowed() {
        JsonNode hook = register("/moved", ",\"events\":[\"job.succeeded\"]");
        receiver.answer(302, 302, 302, 302, 302, 302, 302, 302, 302, 302);
        finished("test-echo", "{}", "succeeded");
        JsonNode delivery = awaitDelivery(hook.get("id").asString(), d -> d.has("responseStatus"));
        assertThat(delivery.get("responseStatus").asInt()).isEqualTo(302);
        assertThat(delivery.get("status").asString()).isEqualTo("pending");
        assertThat(delivery.get("error").asString())
                .contains("redirects are not followed")
                .contains(receiver.url("/elsewhere"));
        assertThat(receiver.receivedAt("/elsewhere")).isEmpty();
    }

    @Test
    void aReceiverThatNeverAnswersRunsOutOfTimeAndIsTriedAgain() {
        JsonNode hook = register("/silent", ",\"events\":[\"job.succeeded\"]");
        receiver.answer(WebhookReceiver.HANG);
        finished("test-echo", "{}", "succeeded");
        JsonNode delivery = awaitDelivery(
                hook.get("id").asString(), d -> d.get("status").asString().equals("delivered"));
        assertThat(delivery.get("attempts").asInt()).isEqualTo(2);
        assertThat(receiver.receivedAt("/silent")).hasSize(2);
    }

    /**
     * A loopback URL nobody allowed, stored as if it had been allowed when registered (the
     * allowlist changed since, or the name now resolves elsewhere): checked again when sent, refused
     * and marked failed at once, nothing sent.
     */
    @Test
    void aLoopbackAddressNobodyAllowedIsRefusedWhenDelivered() {
        String id = Ids.next("wh");
        db.write(() -> db.sql()
                .sql("INSERT INTO webhooks (id, owner_id, kind, url, events, secret, created_at)"
                        + " VALUES (?, ?, 'endpoint', ?, '[\"job.succeeded\"]', ?, ?)")
                .params(
                        id,
                        memberId,
                        "http://localhost:" + receiver.port() + "/sneaky",
                        Signatures.newSecret(),
                        System.currentTimeMillis())
                .update());
        hooks.add(id);
        finished("test-echo", "{}", "succeeded");
        JsonNode delivery = awaitDelivery(id, d -> d.get("status").asString().equals("failed"));
        assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
        assertThat(delivery.get("error").asString()).contains("refused").contains("loopback");
        assertThat(delivery.has("responseStatus")).isFalse();
        assertThat(receiver.received()).isEmpty();
        String metrics = api.get("/actuator/prometheus", Api.ADMIN_TOKEN).body();
        assertThat(metrics).containsPattern("kiln_webhook_deliveries_total\\{[^}]*outcome=\"refused\"[^}]*} [1-9]");
    }

    /**
     * A URL the sender cannot call at all (a port past 65535, stored before registration refused
     * it): the attempt fails as any other, recorded and retried, rather than claimed again unseen.
     */
    @Test
    void anAttemptThatFailsUnexpectedlyIsRecordedAndTriedAgain() {
        String id = Ids.next("wh");
        db.write(() -> db.sql()
                .sql("INSERT INTO webhooks (id, owner_id, kind, url, events, secret, created_at)"
                        + " VALUES (?, ?, 'endpoint', 'http://127.0.0.1:70000/hook', '[\"job.succeeded\"]', ?, ?)")
                .params(id, memberId, Signatures.newSecret(), System.currentTimeMillis())
                .update());
        hooks.add(id);
        finished("test-echo", "{}", "succeeded");
        JsonNode delivery = awaitDelivery(id, d -> d.get("attempts").asInt() > 0);
        assertThat(delivery.get("status").asString()).isEqualTo("pending");
        assertThat(delivery.get("error").asString()).contains("unexpected").contains("70000");
        assertThat(delivery.has("nextAttemptAt")).isTrue();
    }

    @Test
    void aJobsCallbackUrlIsSignedWithTheCallbackSecret() {
        Api.Response rotated = api.postEmpty("/api/v1/webhooks/callback-secret", member);
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(201);
        String entry = rotated.json().get("id").asString();
        hooks.add(entry);
        String first = rotated.json().get("secret").asString();
        String secret = api.postEmpty("/api/v1/webhooks/callback-secret", member)
                .json()
                .get("secret")
                .asString();
        assertThat(secret).isNotEqualTo(first);

        String file = api.textFile(member, "call me back");
        Api.Response submitted = api.post(
                "/api/v1/jobs",
                member,
                "{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + file + "\"},\"callbackUrl\":\""
                        + receiver.url("/callback?job=1") + "\"}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        String job = submitted.json().get("id").asString();

        Received got = receiver.await("/callback", 1).getFirst();
        assertThat(got.jobId()).isEqualTo(job);
        assertThat(WebhookReceiver.signedWith(got, secret)).isTrue();
        assertThat(WebhookReceiver.signedWith(got, first))
                .as("a rotated secret signs no more")
                .isFalse();
        JsonNode entries = api.get("/api/v1/webhooks", member).json().get("items");
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).get("kind").asString()).isEqualTo("callback");
        assertThat(entries.get(0).has("url")).isFalse();
        JsonNode delivery = awaitDelivery(entry, d -> d.get("status").asString().equals("delivered"));
        assertThat(delivery.get("url").asString()).isEqualTo(receiver.url("/callback?job=1"));
        assertThat(delivery.get("jobId").asString()).isEqualTo(job);
    }

    @Test
    void aCallbackUrlIsCheckedWhenTheJobIsSubmitted() {
        String file = api.textFile(member, "call me back");
        Api.Response loopback = api.post(
                "/api/v1/jobs",
                member,
                "{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + file
                        + "\"},\"callbackUrl\":\"http://localhost:9/\"}");
        assertThat(loopback.status()).isEqualTo(422);
        assertThat(loopback.code()).isEqualTo("url_not_allowed");
        assertThat(loopback.json().get("field").asString()).isEqualTo("callbackUrl");
        Api.Response notHttp = api.post(
                "/api/v1/jobs",
                member,
                "{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + file + "\"},\"callbackUrl\":\"ftp://x/\"}");
        assertThat(notHttp.code()).isEqualTo("invalid_field");
        assertThat(notHttp.json().get("field").asString()).isEqualTo("callbackUrl");
        Api.Response noSuchPort = api.post(
                "/api/v1/jobs",
                member,
                "{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + file
                        + "\"},\"callbackUrl\":\"http://127.0.0.1:70000/\"}");
        assertThat(noSuchPort.code()).isEqualTo("invalid_field");
        assertThat(noSuchPort.json().get("field").asString()).isEqualTo("callbackUrl");
        // Was 500: half a character (a JSON escape can send one) parsed, then failed to encode as it was checked.
        Api.Response halfACharacter = api.post(
                "/api/v1/jobs",
                member,
                "{\"type\":\"test-echo\",\"input\":{\"fileId\":\"" + file
                        + "\"},\"callbackUrl\":\"https://example.com/\\ud800\"}");
        assertThat(halfACharacter.code()).as(halfACharacter.toString()).isEqualTo("invalid_field");
        assertThat(halfACharacter.json().get("field").asString()).isEqualTo("callbackUrl");
        assertThat(api.get("/api/v1/jobs", member).json().get("items")).isEmpty();
    }

    @Test
    void anotherUsersWebhookIsNotThere() {
        String id = register("/mine", "").get("id").asString();
        String stranger = api.newMember("stranger-" + UUID.randomUUID());
        for (Api.Response answer : List.of(
                api.get("/api/v1/webhooks/" + id, stranger),
                api.get("/api/v1/webhooks/" + id + "/deliveries", stranger),
                api.delete("/api/v1/webhooks/" + id, stranger))) {
            assertThat(answer.status()).isEqualTo(404);
            assertThat(answer.code()).isEqualTo("webhook_not_found");
        }
        assertThat(api.get("/api/v1/webhooks", stranger).json().get("items")).isEmpty();
        assertThat(api.get("/api/v1/webhooks/" + id, member).status()).isEqualTo(200);
    }

    @Test
    void aDeletedUsersWebhooksGoWithThem() {
        register("/gone", "");
        api.postEmpty("/api/v1/webhooks/callback-secret", member);
        assertThat(api.delete("/api/v1/admin/users/" + memberId + "?data=delete", Api.ADMIN_TOKEN)
                        .status())
                .isIn(202, 204);
        await().atMost(WAIT)
                .until(() -> db.sql()
                                .sql("SELECT COUNT(*) FROM webhooks WHERE owner_id = ?")
                                .param(memberId)
                                .query(Long.class)
                                .single()
                        == 0);
    }

    @Test
    void theDeliveryLogIsPagedNewestFirst() {
        String id =
                register("/paged", ",\"events\":[\"job.succeeded\"]").get("id").asString();
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(finished("test-noop", "{}", "succeeded"));
        }
        receiver.await("/paged", 3);
        Api.Response first = api.get("/api/v1/webhooks/" + id + "/deliveries?limit=2", member);
        assertThat(first.json().get("items")).hasSize(2);
        String cursor = first.json().get("nextCursor").asString();
        JsonNode rest = api.get("/api/v1/webhooks/" + id + "/deliveries?limit=2&cursor=" + cursor, member)
                .json();
        assertThat(rest.get("items")).hasSize(1);
        assertThat(rest.get("nextCursor").isNull() || !rest.has("nextCursor")).isTrue();
        List<String> all = new ArrayList<>(first.json().get("items").findValuesAsString("id"));
        all.addAll(rest.get("items").findValuesAsString("id"));
        assertThat(all).doesNotHaveDuplicates().hasSize(3);
        List<String> newestFirst = new ArrayList<>(first.json().get("items").findValuesAsString("jobId"));
        newestFirst.addAll(rest.get("items").findValuesAsString("jobId"));
        assertThat(newestFirst).containsExactlyElementsOf(jobs.reversed());
        assertThat(api.get("/api/v1/webhooks/" + id + "/deliveries?limit=0", member)
                        .code())
                .isEqualTo("invalid_field");
        assertThat(api.get("/api/v1/webhooks/" + id + "/deliveries?cursor=nonsense", member)
                        .code())
                .isEqualTo("invalid_field");
    }
}
