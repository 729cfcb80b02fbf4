package dev.kiln.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.StreamClient;
import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Secrets never reach the log, even with Spring's and Tomcat's DEBUG logging on, which prints
 * request URLs, headers and bodies: API tokens (good, bad, admin-made), WebSocket tickets in URLs,
 * signed-link signatures, browser session cookies and CSRF tokens, and Authorization headers of any scheme.
 */
class LogRedactionTest {

    private static final Map<String, String> DEBUG = Map.of(
            "logging.level.org.springframework.web", "DEBUG",
            "logging.level.org.springframework.security", "DEBUG",
            "logging.level.org.apache.catalina", "DEBUG",
            "logging.level.org.apache.coyote.http11", "DEBUG",
            "logging.level.dev.kiln", "DEBUG");

    @Test
    void noTokenTicketSignatureOrAuthorizationIsLogged() throws Exception {
        List<String> secrets = new ArrayList<>();
        String log;
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE), TestDatabases.tempDir("kiln-redaction-"), DEBUG)) {
            Api api = kiln.api();
            secrets.add(Api.ADMIN_TOKEN);

            // A user made by an admin: its first token comes back in the answer's body.
            Api.Response created = api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"logged\"}");
            String token = created.json().get("token").asString();
            secrets.add(token);
            assertThat(api.get("/api/v1/jobs", token).status()).isEqualTo(200);

            // Bad tokens: a well-formed unknown one, and a mistyped one.
            String unknown = "kiln_" + "q".repeat(52);
            String mistyped = token.substring(0, token.length() - 3) + "zzz";
            secrets.add(unknown);
            secrets.add(mistyped);
            assertThat(api.get("/api/v1/jobs", unknown).status()).isEqualTo(401);
            assertThat(api.get("/api/v1/processors", mistyped).status()).isEqualTo(401);
            String basic = "QWxhZGRpbjpvcGVuIHNlc2FtZQ";
            secrets.add(basic);
            assertThat(api.send(api.request("/api/v1/jobs", null)
                                    .header("Authorization", "Basic " + basic)
                                    .GET()
                                    .build())
                            .status())
                    .isEqualTo(401);
            String schemeless = "s3cr3t-without-a-scheme";
            secrets.add(schemeless);
            assertThat(api.send(api.request("/api/v1/jobs", null)
                                    .header("Authorization", schemeless)
                                    .GET()
                                    .build())
                            .status())
                    .isEqualTo(401);
            // A token where it does not belong: in a URL.
            assertThat(api.get("/api/v1/jobs?token=" + token, null).status()).isEqualTo(401);

            // A WebSocket ticket in the URL, and a token in the first message.
            String ticket = StreamClient.ticket(api, token);
            secrets.add(ticket);
            try (StreamClient byTicket = StreamClient.open(kiln.port(), "?ticket=" + ticket, null, true)) {
                byTicket.await("welcome", Duration.ofSeconds(15));
            }
            try (StreamClient byMessage = StreamClient.open(kiln.port(), "", null, true)) {
                byMessage.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
                byMessage.await("welcome", Duration.ofSeconds(15));
            }

            // A signed link to a file's content, used without a token.
            String fileId = api.textFile(token, "secret-free content");
            String href = api.postEmpty("/api/v1/files/" + fileId + "/link", token)
                    .json()
                    .get("href")
                    .asString();
            String sig = href.substring(href.indexOf("sig=") + 4);
            secrets.add(sig);
            assertThat(api.get(href, null).status()).isEqualTo(200);
            assertThat(api.get(href.replace("sig=", "sig=0"), null).status()).isEqualTo(403);

            // A browser session: the cookie's secret and the CSRF token, in use and refused.
            Api.Browser browser = api.signIn(token);
            secrets.add(browser.cookie().substring(browser.cookie().indexOf('=') + 1));
            secrets.add(browser.csrf());
            assertThat(api.send(api.browserRequest("/api/v1/session", browser)
                                    .GET()
                                    .build())
                            .status())
                    .isEqualTo(200);
            assertThat(api.send(api.browserRequest("/api/v1/stream/ticket", browser)
                                    .header("X-Kiln-CSRF", browser.csrf())
                                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                                    .build())
                            .status())
                    .isEqualTo(200);
            assertThat(api.send(api.browserRequest("/api/v1/stream/ticket", browser)
                                    .header("X-Kiln-CSRF", "wrong")
                                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                                    .build())
                            .status())
                    .isEqualTo(403);
            // A token issued to oneself: its secret is in the answer's body.
            secrets.add(api.post("/api/v1/me/tokens", token, "{\"label\":\"cli\"}")
                    .json()
                    .get("token")
                    .asString());

            // Failing requests with a good token: bad JSON, a missing endpoint.
            assertThat(api.post("/api/v1/jobs", token, "{not json").status()).isEqualTo(400);
            assertThat(api.get("/api/v1/nowhere", token).status()).isEqualTo(404);

            log = kiln.log();
        }

        assertThat(log)
                .as("DEBUG logging was on and saw the requests")
                .contains("/api/v1/files/")
                .contains("/api/v1/stream")
                .contains("[redacted]");
        for (String secret : secrets) {
            assertThat(log).as("the log must not contain " + secret).doesNotContain(secret);
        }
    }
}
