package dev.kiln.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every audited action leaves one entry saying who, what, when and from where; only admins read them. */
abstract class AuditContract extends ApiTestBase {

    private List<JsonNode> entriesOf(String userId) {
        List<JsonNode> entries = new ArrayList<>();
        api.get("/api/v1/admin/audit?actor=" + userId + "&limit=500", Api.ADMIN_TOKEN)
                .json()
                .get("items")
                .forEach(entries::add);
        return entries.reversed();
    }

    /**
     * Kiln believes X-Forwarded-* only from the proxies it is given (none by default; Spring's own
     * default would trust every loopback and private address): a client cannot choose the address
     * it is recorded with. Behind a listed proxy: dev.kiln.deploy.BehindNginxTest.
     */
    @Test
    void aForwardedForHeaderFromAnUnlistedAddressIsNotBelieved() {
        String token = api.newMember("forged-" + UUID.randomUUID());
        Api.Response issued = api.post(
                "/api/v1/me/tokens",
                token,
                "{\"label\":\"forged\"}",
                Map.of("X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https"));
        assertThat(issued.status()).isEqualTo(201);
        assertThat(issued.header("Strict-Transport-Security"))
                .as("not taken for https")
                .isEmpty();
        JsonNode entry = entriesOf(api.userId(token)).getLast();
        assertThat(entry.get("action").asString()).isEqualTo("token.issued");
        assertThat(entry.get("ip").asString()).isIn("127.0.0.1", "0:0:0:0:0:0:0:1");
    }

    @Test
    void aMembersDayIsRecordedInOrder() {
        Api.Response created =
                api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"audited-" + UUID.randomUUID() + "\"}");
        String token = created.json().get("token").asString();
        String userId = created.json().get("user").get("id").asString();

        Api.Browser browser = api.signIn(token);
        String fileId = api.textFile(token, "audit me");
        String done = api.submit(token, "test-echo", fileId, "{}");
        await().atMost(Duration.ofSeconds(15))
                .until(() -> api.state(token, done).equals("succeeded"));
        assertThat(api.get("/api/v1/jobs/" + done + "/result", token).status()).isEqualTo(200);
        String gated = api.submit(token, "test-sleep", fileId, "{\"ms\":60000}");
        assertThat(api.postEmpty("/api/v1/jobs/" + gated + "/cancel", token).status())
                .isIn(200, 202);
        await().atMost(Duration.ofSeconds(15))
                .until(() -> api.state(token, gated).equals("cancelled"));
        assertThat(api.postEmpty("/api/v1/jobs/" + gated + "/retry", token).status())
                .isEqualTo(202);
        String link = api.send(api.request("/api/v1/files/" + fileId + "/link", token)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build())
                .json()
                .get("href")
                .asString();
        assertThat(api.get(link, null).status()).isEqualTo(200);
        Api.Response issued = api.post("/api/v1/me/tokens", token, "{\"label\":\"cli\"}");
        api.delete("/api/v1/me/tokens/" + issued.json().get("id").asString(), token);
        api.send(api.browserRequest("/api/v1/session", browser)
                .header("X-Kiln-CSRF", browser.csrf())
                .DELETE()
                .build());

        List<String> actions =
                entriesOf(userId).stream().map(e -> e.get("action").asString()).toList();
        assertThat(actions)
                .containsSubsequence(
                        "session.signed_in",
                        "job.submitted",
                        "result.downloaded",
                        "job.submitted",
                        "job.cancelled",
                        "job.retried",
                        "token.issued",
                        "token.revoked",
                        "session.signed_out");

        JsonNode submitted = entriesOf(userId).stream()
                .filter(e -> e.get("action").asString().equals("job.submitted"))
                .findFirst()
                .orElseThrow();
        assertThat(submitted.get("actor").get("id").asString()).isEqualTo(userId);
        assertThat(submitted.get("target").get("type").asString()).isEqualTo("job");
        assertThat(submitted.get("target").get("id").asString()).isEqualTo(done);
        assertThat(submitted.get("detail").get("type").asString()).isEqualTo("test-echo");
        assertThat(submitted.get("ip").asString()).isIn("127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(submitted.get("at").asString()).isNotBlank();
        assertThat(submitted.get("userAgent").asString()).contains("Java");

        // The signed link is not a user: its download is recorded without an actor, against the file.
        JsonNode download = api.get("/api/v1/admin/audit?action=file.downloaded&limit=500", Api.ADMIN_TOKEN)
                .json()
                .get("items")
                .valueStream()
                .filter(e -> e.get("target").get("id").asString().equals(fileId))
                .findFirst()
                .orElseThrow();
        assertThat(download.get("detail").get("via").asString()).isEqualTo("signed link");
        // No secret is ever in the log.
        String everything =
                api.get("/api/v1/admin/audit?limit=500", Api.ADMIN_TOKEN).body();
        assertThat(everything)
                .doesNotContain(token)
                .doesNotContain(issued.json().get("token").asString())
                .doesNotContain(browser.cookie().substring("kiln_session=".length()));
    }

    @Test
    void failedSignInsAndAdminActionsAreRecorded() {
        api.post("/api/v1/session", null, "{\"token\":\"kiln_wrong\"}");
        JsonNode failed = api.get("/api/v1/admin/audit?action=session.sign_in_failed&limit=1", Api.ADMIN_TOKEN)
                .json()
                .get("items")
                .get(0);
        assertThat(failed.has("actor")).isFalse();
        assertThat(failed.get("ip").asString()).isNotBlank();

        String name = "made-" + UUID.randomUUID();
        String userId = api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"" + name + "\"}")
                .json()
                .get("user")
                .get("id")
                .asString();
        JsonNode made = api.get("/api/v1/admin/audit?action=user.created&limit=1", Api.ADMIN_TOKEN)
                .json()
                .get("items")
                .get(0);
        assertThat(made.get("actor").get("name").asString()).isEqualTo("admin");
        assertThat(made.get("target").get("id").asString()).isEqualTo(userId);
        assertThat(made.get("detail").get("name").asString()).isEqualTo(name);
    }

    @org.springframework.beans.factory.annotation.Autowired
    dev.kiln.db.Database db;

    @org.springframework.beans.factory.annotation.Autowired
    AuditRetention retention;

    @Test
    void entriesOlderThanTheRetentionAreDropped() {
        long old = System.currentTimeMillis() - Duration.ofDays(366).toMillis();
        db.write(() -> db.sql()
                .sql("INSERT INTO audit_log (at, action) VALUES (?, 'job.submitted')")
                .param(old)
                .update());
        api.post("/api/v1/session", null, "{\"token\":\"kiln_wrong\"}");

        while (retention.prune() > 0) {
            // drain
        }

        assertThat(db.sql()
                        .sql("SELECT COUNT(*) FROM audit_log WHERE at = ?")
                        .param(old)
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(api.get("/api/v1/admin/audit?action=session.sign_in_failed&limit=1", Api.ADMIN_TOKEN)
                        .json()
                        .get("items"))
                .hasSize(1);
    }

    @Test
    void theLogPagesAndChecksItsQuery() {
        for (int i = 0; i < 3; i++) {
            api.post("/api/v1/session", null, "{\"token\":\"kiln_wrong\"}");
        }
        Api.Response first = api.get("/api/v1/admin/audit?limit=2", Api.ADMIN_TOKEN);
        String cursor = first.json().get("nextCursor").asString();
        Api.Response second = api.get("/api/v1/admin/audit?limit=2&cursor=" + cursor, Api.ADMIN_TOKEN);
        long lastOfFirst = first.json().get("items").get(1).get("seq").asLong();
        assertThat(second.json().get("items").get(0).get("seq").asLong()).isLessThan(lastOfFirst);

        for (String query : new String[] {
            "limit=0", "limit=x", "action=job.eaten", "actor=bob", "cursor=abc", "cursor=-1", "cursor="
        }) {
            Api.Response bad = api.get("/api/v1/admin/audit?" + query, Api.ADMIN_TOKEN);
            assertThat(bad.status()).as(query).isEqualTo(400);
            assertThat(bad.json().get("field").asString()).isEqualTo(query.substring(0, query.indexOf('=')));
        }
    }
}
