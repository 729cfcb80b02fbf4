package dev.kiln.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.db.Database;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.WriteWaits;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Users, roles and tokens: what admins may do to anyone, members to themselves, and nobody else. */
abstract class AccountsContract extends ApiTestBase {

    @Autowired
    Users users;

    @Autowired
    Database db;

    private JsonNode createUser(String name, String role) {
        Api.Response created = api.post(
                "/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}");
        assertThat(created.status()).isEqualTo(201);
        return created.json();
    }

    @Test
    void adminsSeeEveryUserWithWhatTheyOwn() {
        String name = "holder-" + UUID.randomUUID();
        JsonNode created = createUser(name, "member");
        String token = created.get("token").asString();
        String userId = created.get("user").get("id").asString();
        api.submit(token, "test-noop", api.textFile(token, "four"), "{}");

        JsonNode listed = null;
        for (JsonNode user :
                api.get("/api/v1/admin/users", Api.ADMIN_TOKEN).json().get("items")) {
            if (user.get("id").asString().equals(userId)) {
                listed = user;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.get("name").asString()).isEqualTo(name);
        assertThat(listed.get("role").asString()).isEqualTo("member");
        assertThat(listed.get("files").asLong()).isEqualTo(1);
        assertThat(listed.get("storedBytes").asLong()).isEqualTo(4);
        assertThat(listed.get("jobs").asLong()).isEqualTo(1);
        assertThat(listed.get("activeTokens").asLong()).isEqualTo(1);

        Api.Response one = api.get(
                created.get("user").get("id").asString().transform(id -> "/api/v1/admin/users/" + id), Api.ADMIN_TOKEN);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("files").asLong()).isEqualTo(1);
        assertThat(api.get("/api/v1/admin/users/usr_aaaaaaaaaaaaaaaaaaaaaaaaaa", Api.ADMIN_TOKEN)
                        .code())
                .isEqualTo("user_not_found");
    }

    @Test
    void membersCannotUseTheAdminApi() {
        String member = api.newMember("plain-" + UUID.randomUUID());
        for (String path : new String[] {"/api/v1/admin/users", "/api/v1/admin/audit"}) {
            Api.Response response = api.get(path, member);
            assertThat(response.status()).as(path).isEqualTo(403);
            assertThat(response.code()).isEqualTo("forbidden");
        }
        assertThat(api.post("/api/v1/admin/users", member, "{\"name\":\"sneaky\"}")
                        .status())
                .isEqualTo(403);
    }

    @Test
    void anAdminIssuesAnExpiringTokenShownOnceAndRevokesIt() {
        String userId = createUser("tokened-" + UUID.randomUUID(), "member")
                .get("user")
                .get("id")
                .asString();
        String expiry = Instant.now()
                .plus(30, ChronoUnit.DAYS)
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();

        Api.Response issued = api.post(
                "/api/v1/admin/users/" + userId + "/tokens",
                Api.ADMIN_TOKEN,
                "{\"label\":\"laptop\",\"expiresAt\":\"" + expiry + "\"}");
        assertThat(issued.status()).isEqualTo(201);
        String secret = issued.json().get("token").asString();
        String tokenId = issued.json().get("id").asString();
        assertThat(secret).startsWith("kiln_");
        assertThat(issued.json().get("expiresAt").asString()).isEqualTo(expiry);
        assertThat(issued.header("Location").orElseThrow()).endsWith("/tokens/" + tokenId);
        assertThat(api.get("/api/v1/jobs", secret).status()).isEqualTo(200);

        Api.Response listed = api.get("/api/v1/admin/users/" + userId + "/tokens", Api.ADMIN_TOKEN);
        assertThat(listed.body()).doesNotContain(secret).contains("laptop").contains(tokenId);
        assertThat(listed.json().get("items")).hasSize(2);

        Api.Response revoked = api.delete("/api/v1/admin/users/" + userId + "/tokens/" + tokenId, Api.ADMIN_TOKEN);
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.json().get("active").asBoolean()).isFalse();
        assertThat(revoked.json().get("revokedAt").isString()).isTrue();
        assertThat(api.get("/api/v1/jobs", secret).status()).isEqualTo(401);
        // Revoking again changes nothing; someone else's token id under this user is not found.
        assertThat(api.delete("/api/v1/admin/users/" + userId + "/tokens/" + tokenId, Api.ADMIN_TOKEN)
                        .json()
                        .get("revokedAt")
                        .asString())
                .isEqualTo(revoked.json().get("revokedAt").asString());
        assertThat(api.delete(
                                "/api/v1/admin/users/" + userId + "/tokens/tok_aaaaaaaaaaaaaaaaaaaaaaaaaa",
                                Api.ADMIN_TOKEN)
                        .code())
                .isEqualTo("token_not_found");
    }

    @Test
    void tokenRequestsAreChecked() {
        String member = api.newMember("checker-" + UUID.randomUUID());
        String[][] cases = {
            {"{\"expiresAt\":\"2001-01-01T00:00:00Z\"}", "expiresAt"},
            {"{\"expiresAt\":\"tomorrow\"}", "expiresAt"},
            {"{\"expiresAt\":\"2999-01-01T00:00:00Z\"}", "expiresAt"},
            {"{\"expiresAt\":12}", "expiresAt"},
            {"{\"label\":\"\"}", "label"},
            {"{\"label\":\"" + "x".repeat(101) + "\"}", "label"},
            {"{\"label\":\"a\\u0000b\"}", "label"},
            {"{\"scope\":\"all\"}", "scope"},
            {"[1]", "body"}
        };
        for (String[] c : cases) {
            Api.Response response = api.post("/api/v1/me/tokens", member, c[0]);
            assertThat(response.status()).as(c[0]).isEqualTo(400);
            assertThat(response.json().get("field").asString()).as(c[0]).isEqualTo(c[1]);
        }
        assertThat(api.get("/api/v1/me/tokens", member).json().get("items")).hasSize(1);
    }

    @Test
    void membersManageTheirOwnTokensOnly() {
        String alice = api.newMember("alice-" + UUID.randomUUID());
        String bob = api.newMember("bob-" + UUID.randomUUID());
        Api.Response cli = api.post("/api/v1/me/tokens", alice, "{\"label\":\"cli\"}");
        assertThat(cli.status()).isEqualTo(201);
        String cliId = cli.json().get("id").asString();
        assertThat(cli.json().has("expiresAt")).isFalse();

        Api.Response bobRevokes = api.delete("/api/v1/me/tokens/" + cliId, bob);
        assertThat(bobRevokes.status()).isEqualTo(404);
        assertThat(bobRevokes.code()).isEqualTo("token_not_found");
        assertThat(api.get("/api/v1/jobs", cli.json().get("token").asString()).status())
                .isEqualTo(200);
        assertThat(api.get("/api/v1/me/tokens", bob).body()).doesNotContain(cliId);
        assertThat(api.post("/api/v1/me/tokens", null, "{}").status()).isEqualTo(401);
    }

    @Test
    void rolesChangeButTheLastAdminStays() {
        JsonNode created = createUser("promoted-" + UUID.randomUUID(), "member");
        String id = created.get("user").get("id").asString();
        String token = created.get("token").asString();
        assertThat(api.get("/api/v1/admin/users", token).status()).isEqualTo(403);

        Api.Response promoted = setRole(id, "admin");
        assertThat(promoted.status()).isEqualTo(200);
        assertThat(promoted.json().get("role").asString()).isEqualTo("admin");
        assertThat(api.get("/api/v1/admin/users", token).status()).isEqualTo(200);

        Api.Response bad = setRole(id, "owner");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("field").asString()).isEqualTo("role");

        // Demote everyone but one admin, then try the last one.
        java.util.List<String> admins = new java.util.ArrayList<>();
        for (JsonNode user :
                api.get("/api/v1/admin/users", Api.ADMIN_TOKEN).json().get("items")) {
            if (user.get("role").asString().equals("admin")
                    && !user.get("name").asString().equals("admin")) {
                admins.add(user.get("id").asString());
            }
        }
        for (String other : admins) {
            setRole(other, "member");
        }
        String adminId = api.userId(Api.ADMIN_TOKEN);
        Api.Response last = setRole(adminId, "member");
        assertThat(last.status()).isEqualTo(409);
        assertThat(last.code()).isEqualTo("last_admin");
        assertThat(api.get("/api/v1/admin/users", Api.ADMIN_TOKEN).status()).isEqualTo(200);
    }

    /**
     * Two admins demoted at once, past the controller's reading of the count: the second demotion
     * runs while the first is stored but not committed, and the statement refuses it once the
     * first commits. Then the survivor alone: refused by the statement too.
     */
    @Test
    void theLastAdminStaysWhenTheDemotionsRace() throws Exception {
        String adminId = api.userId(Api.ADMIN_TOKEN);
        for (Users.Holdings h : users.holdings(null)) {
            if (h.user().role() == Role.ADMIN && !h.user().id().equals(adminId)) {
                users.changeRole(h.user().id(), Role.MEMBER);
            }
        }
        String rivalId = users.create("rival-" + UUID.randomUUID(), Role.ADMIN)
                .orElseThrow()
                .id();
        FutureTask<Boolean> second = new FutureTask<>(() -> users.changeRole(rivalId, Role.MEMBER));
        Thread racer = new Thread(second, "demote-rival");
        try {
            boolean first = db.write(() -> {
                boolean demoted = users.changeRole(adminId, Role.MEMBER);
                racer.start();
                // Commit only once the rival's demotion has run, or waits for this one.
                await().atMost(Duration.ofSeconds(10)).until(() -> second.isDone() || WriteWaits.waiting(db, racer));
                return demoted;
            });
            assertThat(first).isTrue();
            assertThat(second.get(10, TimeUnit.SECONDS))
                    .as("the rival's demotion")
                    .isFalse();
            assertThat(users.countAdmins()).isEqualTo(1);
            assertThat(users.changeRole(rivalId, Role.MEMBER)).isFalse();
            assertThat(users.countAdmins()).isEqualTo(1);
        } finally {
            racer.join(10_000);
            users.changeRole(adminId, Role.ADMIN); // the admin token serves every other test
            users.changeRole(rivalId, Role.MEMBER);
        }
    }

    /** An admin's PATCH of one user's role. */
    private Api.Response setRole(String userId, String role) {
        return api.send(api.request("/api/v1/admin/users/" + userId, Api.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"role\":\"" + role + "\"}"))
                .build());
    }
}
