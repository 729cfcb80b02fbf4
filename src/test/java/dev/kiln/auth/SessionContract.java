package dev.kiln.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.db.Database;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.net.http.HttpRequest;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Browser sign-in: the cookie's attributes, CSRF on unsafe methods, sign-out, and sessions ending with their token. */
abstract class SessionContract extends ApiTestBase {

    @Autowired
    Database db;

    @Autowired
    ApiTokens tokens;

    String token;
    String name;

    @BeforeEach
    void member() {
        name = "browser-" + UUID.randomUUID();
        token = api.newMember(name);
    }

    @Test
    void signingInSetsAHardenedCookieAndNeverEchoesTheToken() {
        Api.Response response = api.post("/api/v1/session", null, "{\"token\":\"" + token + "\"}");

        assertThat(response.status()).isEqualTo(201);
        String cookie = response.header("Set-Cookie").orElseThrow();
        assertThat(cookie)
                .startsWith("kiln_session=")
                .contains("HttpOnly")
                .contains("Secure")
                .contains("SameSite=Strict")
                .contains("Path=/api")
                .contains("Max-Age=604800");
        assertThat(cookie).doesNotContain(token);
        assertThat(response.body()).doesNotContain(token);
        assertThat(response.json().get("user").get("name").asString()).isEqualTo(name);
        assertThat(response.json().get("via").asString()).isEqualTo("cookie");
        assertThat(response.json().get("csrfToken").asString()).hasSizeGreaterThan(20);
    }

    @Test
    void theCookieAuthenticatesReadsAndUnsafeRequestsNeedTheCsrfToken() {
        Api.Browser browser = api.signIn(token);

        Api.Response session =
                api.send(api.browserRequest("/api/v1/session", browser).GET().build());
        assertThat(session.status()).isEqualTo(200);
        assertThat(session.json().get("csrfToken").asString()).isEqualTo(browser.csrf());
        assertThat(api.send(api.browserRequest("/api/v1/jobs", browser).GET().build())
                        .status())
                .isEqualTo(200);

        HttpRequest.Builder upload = api.browserRequest("/api/v1/files?name=a.txt", browser)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofString("hello"));
        Api.Response withoutCsrf = api.send(upload.copy().build());
        assertThat(withoutCsrf.status()).isEqualTo(403);
        assertThat(withoutCsrf.code()).isEqualTo("csrf_token_invalid");
        Api.Response wrongCsrf = api.send(
                upload.copy().header("X-Kiln-CSRF", browser.csrf() + "x").build());
        assertThat(wrongCsrf.code()).isEqualTo("csrf_token_invalid");
        String userId = api.userId(token);
        assertThat(api.get("/api/v1/admin/users/" + userId, Api.ADMIN_TOKEN)
                        .json()
                        .get("files")
                        .asLong())
                .isZero();

        Api.Response withCsrf =
                api.send(upload.copy().header("X-Kiln-CSRF", browser.csrf()).build());
        assertThat(withCsrf.status()).isEqualTo(201);
    }

    @Test
    void signingOutEndsTheSessionAndClearsTheCookie() {
        Api.Browser browser = api.signIn(token);

        Api.Response noCsrf =
                api.send(api.browserRequest("/api/v1/session", browser).DELETE().build());
        assertThat(noCsrf.code()).isEqualTo("csrf_token_invalid");
        Api.Response out = api.send(api.browserRequest("/api/v1/session", browser)
                .header("X-Kiln-CSRF", browser.csrf())
                .DELETE()
                .build());
        assertThat(out.status()).isEqualTo(204);
        assertThat(out.header("Set-Cookie").orElseThrow())
                .startsWith("kiln_session=;")
                .contains("Max-Age=0");

        Api.Response after =
                api.send(api.browserRequest("/api/v1/jobs", browser).GET().build());
        assertThat(after.status()).isEqualTo(401);
        // The token itself still works: signing out of a browser does not revoke the API token.
        assertThat(api.get("/api/v1/jobs", token).status()).isEqualTo(200);
    }

    @Test
    void revokingTheTokenEndsItsSessions() {
        Api.Browser browser = api.signIn(token);
        String tokenId = api.get("/api/v1/me/tokens", token)
                .json()
                .get("items")
                .get(0)
                .get("id")
                .asString();

        Api.Response revoked = api.send(
                api.request("/api/v1/me/tokens/" + tokenId, token).DELETE().build());
        assertThat(revoked.status()).isEqualTo(200);

        assertThat(api.send(api.browserRequest("/api/v1/jobs", browser).GET().build())
                        .status())
                .isEqualTo(401);
        assertThat(api.get("/api/v1/jobs", token).status()).isEqualTo(401);
    }

    /**
     * A token issued for a user as they are deleted escapes the revocation of their tokens: here
     * the user is marked deleted by hand, nothing revoked, so only the deletion itself can refuse.
     */
    @Test
    void aDeletedUsersTokensAndSessionsAuthenticateNoMore() {
        Api.Browser browser = api.signIn(token);
        String userId = api.userId(token);
        db.write(() -> db.sql()
                .sql("UPDATE users SET deleted_at = ? WHERE id = ?")
                .params(System.currentTimeMillis(), userId)
                .update());
        String raced = tokens.issue(userId, "raced", null).token();

        assertThat(api.get("/api/v1/jobs", raced).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/jobs", token).status()).isEqualTo(401);
        assertThat(api.send(api.browserRequest("/api/v1/jobs", browser).GET().build())
                        .status())
                .isEqualTo(401);
        assertThat(api.post("/api/v1/session", null, "{\"token\":\"" + raced + "\"}")
                        .status())
                .isEqualTo(401);
    }

    @Test
    void badSignInsAreRefusedClearly() {
        Api.Response unknown = api.post("/api/v1/session", null, "{\"token\":\"kiln_nope\"}");
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.code()).isEqualTo("unauthenticated");
        assertThat(unknown.header("Set-Cookie")).isEmpty();

        for (String body : new String[] {"{}", "{\"token\":7}", "[]", "{\"token\":\"  \"}"}) {
            Api.Response bad = api.post("/api/v1/session", null, body);
            assertThat(bad.status()).as(body).isEqualTo(400);
            assertThat(bad.json().get("field").asString()).isEqualTo("token");
        }
        Api.Response crossSite = api.post(
                "/api/v1/session",
                null,
                "{\"token\":\"" + token + "\"}",
                java.util.Map.of("Sec-Fetch-Site", "cross-site"));
        assertThat(crossSite.status()).isEqualTo(403);
        assertThat(crossSite.code()).isEqualTo("cross_site_sign_in");
        assertThat(crossSite.header("Set-Cookie")).isEmpty();
    }

    @Test
    void aStaleCookieIsIgnoredWhereNoUserIsNeededAndRefusedWhereOneIs() {
        Api.Browser forged = new Api.Browser("kiln_session=forged", "x");
        assertThat(api.send(api.browserRequest("/api/v1/openapi.json", forged)
                                .GET()
                                .build())
                        .status())
                .isEqualTo(200);
        Api.Response jobs =
                api.send(api.browserRequest("/api/v1/jobs", forged).GET().build());
        assertThat(jobs.status()).isEqualTo(401);
        assertThat(jobs.code()).isEqualTo("unauthenticated");
        // Signing in again with a stale cookie still works, and so does signing out.
        assertThat(api.send(api.browserRequest("/api/v1/session", forged)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + token + "\"}"))
                                .build())
                        .status())
                .isEqualTo(201);
        assertThat(api.send(api.browserRequest("/api/v1/session", forged)
                                .DELETE()
                                .build())
                        .status())
                .isEqualTo(204);
    }

    @Test
    void aStaleCookiesRefusalLeavesTheCookieAloneSoItCannotClearOneAnotherTabJustGot() {
        Api.Response first = api.post("/api/v1/session", null, "{\"token\":\"" + token + "\"}");
        String issued = first.header("Set-Cookie").orElseThrow();
        Api.Browser tabB = new Api.Browser(
                issued.substring(0, issued.indexOf(';')),
                first.json().get("csrfToken").asString());
        // Tab B's session ends (signed out elsewhere), tab A signs in afresh and the browser keeps
        // its new cookie; tab B's request, sent a moment before with the old one, is refused.
        Api.Response out = api.send(api.browserRequest("/api/v1/session", tabB)
                .header("X-Kiln-CSRF", tabB.csrf())
                .DELETE()
                .build());
        assertThat(attributes(out.header("Set-Cookie").orElseThrow()))
                .as("signing out clears the same cookie as was set, or the browser would keep that one")
                .isEqualTo(attributes(issued));
        Api.Browser tabA = api.signIn(token);

        Api.Response refused =
                api.send(api.browserRequest("/api/v1/jobs", tabB).GET().build());
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("Set-Cookie"))
                .as("a Set-Cookie clearing kiln_session here would sign tab A out again")
                .isEmpty();
        Api.Response unknown =
                api.send(api.browserRequest("/api/v1/session", new Api.Browser("kiln_session=forged", "x"))
                        .GET()
                        .build());
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.header("Set-Cookie")).isEmpty();
        assertThat(api.send(api.browserRequest("/api/v1/jobs", tabA).GET().build())
                        .status())
                .isEqualTo(200);
    }

    /** A Set-Cookie header's attributes but its value and lifetime. */
    private static java.util.List<String> attributes(String setCookie) {
        return java.util.Arrays.stream(setCookie.split(";\\s*"))
                .skip(1)
                .filter(a -> !a.startsWith("Max-Age=") && !a.startsWith("Expires="))
                .sorted()
                .toList();
    }

    @Test
    void aBearerTokenAnswersTheSessionQueryWithoutACsrfToken() {
        Api.Response response = api.get("/api/v1/session", token);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("via").asString()).isEqualTo("token");
        assertThat(response.json().has("csrfToken")).isFalse();
        assertThat(api.get("/api/v1/session", null).status()).isEqualTo(401);
    }
}
