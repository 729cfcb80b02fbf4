package dev.kiln.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who may see what: every resource endpoint for {anonymous, a bad token, another member, the
 * owner, an admin}. Another user's resource answers exactly like a missing one.
 */
abstract class AccessContract extends ApiTestBase {

    String owner;
    String stranger;
    String fileId;
    String jobId;

    @BeforeEach
    void setUp() {
        owner = api.newMember("owner-" + UUID.randomUUID());
        stranger = api.newMember("stranger-" + UUID.randomUUID());
        fileId = api.textFile(owner, "private notes");
        jobId = api.submit(owner, "test-echo", fileId, "{}");
        await().atMost(Duration.ofSeconds(15))
                .until(() -> api.state(owner, jobId).equals("succeeded"));
    }

    private List<String> readPaths() {
        return List.of(
                "/api/v1/jobs/" + jobId,
                "/api/v1/jobs/" + jobId + "/result",
                "/api/v1/jobs/" + jobId + "/events",
                "/api/v1/files/" + fileId);
    }

    @Test
    void anonymousAndBadTokensAreRefusedEverywhere() {
        for (String path : List.of(
                "/api/v1/jobs",
                "/api/v1/processors",
                "/api/v1/jobs/" + jobId,
                "/api/v1/files/" + fileId,
                "/api/v1/jobs/" + jobId + "/events",
                "/api/v1/jobs/job_doesnotexist",
                "/api/v1/no-such-endpoint")) {
            for (String token : new String[] {null, "kiln_forged", ""}) {
                Api.Response response = api.get(path, token);
                assertThat(response.status()).as(path + " with " + token).isEqualTo(401);
                assertThat(response.code()).isEqualTo("unauthenticated");
                assertThat(response.header("WWW-Authenticate")).contains("Bearer");
            }
        }
        assertThat(api.postEmpty("/api/v1/jobs/" + jobId + "/cancel", null).status())
                .isEqualTo(401);
        assertThat(api.upload(null, new byte[] {1}, "x").status()).isEqualTo(401);
        assertThat(api.send(api.request("/api/v1/jobs", null)
                                .header("Authorization", "Basic YTpi")
                                .GET()
                                .build())
                        .status())
                .isEqualTo(401);
    }

    @Test
    void anotherMembersResourcesAreIndistinguishableFromMissingOnes() {
        for (String path : readPaths()) {
            Api.Response theirs = api.get(path, stranger);
            Api.Response missing = api.get(
                    path.replace(jobId, "job_aaaaaaaaaaaaaaaaaaaaaaaaaa")
                            .replace(fileId, "file_aaaaaaaaaaaaaaaaaaaaaaaaaa"),
                    stranger);
            assertThat(theirs.status()).as(path).isEqualTo(404);
            assertThat(theirs.code()).isEqualTo(missing.code());
            assertThat(theirs.body()).doesNotContain("private notes");
        }
        assertThat(api.postEmpty("/api/v1/jobs/" + jobId + "/cancel", stranger).status())
                .isEqualTo(404);
        assertThat(api.postEmpty("/api/v1/jobs/" + jobId + "/retry", stranger).status())
                .isEqualTo(404);
        assertThat(api.get("/api/v1/jobs", stranger).json().get("items")).isEmpty();
        assertThat(api.state(owner, jobId)).isEqualTo("succeeded");
    }

    @Test
    void theOwnerAndAdminsSeeTheResources() {
        for (String path : readPaths()) {
            assertThat(api.get(path, owner).status()).as(path).isEqualTo(200);
            assertThat(api.get(path, Api.ADMIN_TOKEN).status()).as(path).isEqualTo(200);
        }
        assertThat(api.get("/api/v1/jobs?limit=200", Api.ADMIN_TOKEN).body()).contains(jobId);
    }

    @Test
    void membersCannotUseAdminEndpoints() {
        Api.Response response = api.post("/api/v1/admin/users", owner, "{\"name\":\"sneaky\"}");

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.code()).isEqualTo("forbidden");
    }

    @Test
    void adminsCreateUsersWithValidNames() {
        String name = "new-" + UUID.randomUUID();
        Api.Response created = api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"" + name + "\"}");

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("user").get("role").asString()).isEqualTo("member");
        assertThat(api.get("/api/v1/jobs", created.json().get("token").asString())
                        .status())
                .isEqualTo(200);
        assertThat(api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"" + name + "\"}")
                        .code())
                .isEqualTo("user_exists");
        assertThat(api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"../etc\"}")
                        .code())
                .isEqualTo("invalid_field");
        assertThat(api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"x\",\"role\":\"god\"}")
                        .code())
                .isEqualTo("invalid_field");
    }

    @Test
    void theApiDescriptionIsPublicAndListsTheEndpoints() {
        Api.Response openapi = api.get("/api/v1/openapi.json", null);

        assertThat(openapi.status()).isEqualTo(200);
        assertThat(openapi.json().get("paths").propertyNames())
                .contains(
                        "/api/v1/jobs",
                        "/api/v1/jobs/{id}",
                        "/api/v1/jobs/{id}/cancel",
                        "/api/v1/jobs/{id}/retry",
                        "/api/v1/files",
                        "/api/v1/files/{id}",
                        "/api/v1/processors");
        Api.Response docs = api.get("/api/v1/docs", null);
        assertThat(docs.status()).isEqualTo(302);
        String browser = docs.header("Location").orElseThrow().replaceFirst("^https?://[^/]+", "");
        assertThat(api.get(browser, null).status()).isEqualTo(200);
    }
}
