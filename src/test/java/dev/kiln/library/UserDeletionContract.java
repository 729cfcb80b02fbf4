package dev.kiln.library;

import static dev.kiln.testing.TestBytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.storage.BlobStore;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.BlobStoreFaults;
import dev.kiln.testing.StorageSweptByTest;
import dev.kiln.uploads.StorageSweeper;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * An admin deletes a user: refused for oneself, for a user who owns something unless
 * {@code ?data=delete}, 404 for nobody; with their data, their jobs, files and the content only
 * they used go (waiting jobs cancelled first, running ones once they have stopped), their token
 * opens nothing, the name is free again, and the audit log says who did it. The same settings as
 * {@link LibraryApiContract} ({@link StorageSweptByTest}), so the two share one running Kiln.
 */
@StorageSweptByTest
abstract class UserDeletionContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Autowired
    BlobStore blobs;

    @Autowired
    UserDeletions deletions;

    @Autowired
    StorageSweeper sweeper;

    String name;
    String token;
    String userId;

    @BeforeEach
    void setUp() {
        name = "leaving-" + UUID.randomUUID();
        token = api.newMember(name);
        userId = api.userId(token);
    }

    private Api.Response deleteUser(String id, String query) {
        return api.delete("/api/v1/admin/users/" + id + query, Api.ADMIN_TOKEN);
    }

    private String sha(String file, String owner) {
        return api.get("/api/v1/files/" + file, owner).json().get("sha256").asString();
    }

    @Test
    void refusalsSayWhy() {
        assertThat(deleteUser("usr_nobody", "").code()).isEqualTo("user_not_found");
        String adminId = api.userId(Api.ADMIN_TOKEN);
        Api.Response self = deleteUser(adminId, "?data=delete");
        assertThat(self.status()).isEqualTo(409);
        assertThat(self.code()).isEqualTo("cannot_delete_self");
        assertThat(deleteUser(userId, "?data=yes").code()).isEqualTo("invalid_field");

        api.file(token, random(2000), "f.bin");
        Api.Response hasData = deleteUser(userId, "");
        assertThat(hasData.status()).isEqualTo(409);
        assertThat(hasData.code()).isEqualTo("user_has_data");
        assertThat(hasData.json().get("files").asLong()).isEqualTo(1);
        assertThat(hasData.json().get("storedBytes").asLong()).isEqualTo(2000);
        assertThat(api.get("/api/v1/session", token).status())
                .as("nothing happened")
                .isEqualTo(200);
    }

    @Test
    void aUserWithNothingGoesWithoutTheFlagAndTheirNameIsFreeAgain() {
        assertThat(deleteUser(userId, "").status()).isEqualTo(204);
        assertThat(api.get("/api/v1/session", token).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/admin/users/" + userId, Api.ADMIN_TOKEN).status())
                .isEqualTo(404);
        assertThat(deleteUser(userId, "").status()).as("gone already").isEqualTo(404);
        JsonNode listed = api.get("/api/v1/admin/users", Api.ADMIN_TOKEN).json().get("items");
        listed.forEach(u -> assertThat(u.get("id").asString()).isNotEqualTo(userId));
        assertThat(api.post("/api/v1/admin/users", Api.ADMIN_TOKEN, "{\"name\":\"" + name + "\"}")
                        .status())
                .isEqualTo(201);
        JsonNode audit = api.get("/api/v1/admin/audit?action=user.deleted", Api.ADMIN_TOKEN)
                .json()
                .get("items");
        assertThat(audit.findValuesAsString("id")).contains(userId);
    }

    @Test
    void theirJobsFilesAndContentGoButSharedContentStays() {
        byte[] shared = random(3000);
        String mine = api.file(token, random(4000), "f.bin");
        String sharedMine = api.file(token, shared, "f.bin");
        String other = api.newMember("staying-" + UUID.randomUUID());
        String theirs = api.file(other, shared, "f.bin");
        String finished = api.submit(token, "test-echo", mine, "{}");
        await().atMost(WAIT).until(() -> api.state(token, finished).equals("succeeded"));
        String processor = api.idleProcessor();
        String queued = api.submit(token, processor, sharedMine, "{}");
        String mineSha = sha(mine, token);
        String sharedSha = sha(sharedMine, token);

        assertThat(deleteUser(userId, "?data=delete").status()).isEqualTo(204);

        for (String job : List.of(finished, queued)) {
            assertThat(api.get("/api/v1/jobs/" + job, Api.ADMIN_TOKEN).status()).isEqualTo(404);
        }
        for (String file : List.of(mine, sharedMine)) {
            assertThat(api.get("/api/v1/files/" + file, Api.ADMIN_TOKEN).status())
                    .isEqualTo(404);
        }
        assertThat(blobs.exists(mineSha)).as("content only they used").isFalse();
        assertThat(blobs.exists(sharedSha)).as("content another file uses").isTrue();
        assertThat(api.get("/api/v1/files/" + theirs + "/content", other).status())
                .isEqualTo(200);
    }

    /** Was 503 storage_unavailable with the user and their data already gone. */
    @Test
    void contentThatCannotGoNowIsLeftToTheSweepAndTheDeletionIsDone() {
        String file = api.file(token, random(2000), "f.bin");
        String sha = sha(file, token);
        BlobStoreFaults.of(blobs).refuseDeletes(sha);
        try {
            assertThat(deleteUser(userId, "?data=delete").status()).isEqualTo(204);
            assertThat(api.get("/api/v1/files/" + file, Api.ADMIN_TOKEN).status())
                    .isEqualTo(404);
            assertThat(api.get("/api/v1/admin/users/" + userId, Api.ADMIN_TOKEN).status())
                    .isEqualTo(404);
            assertThat(blobs.exists(sha)).isTrue();
        } finally {
            BlobStoreFaults.of(blobs).allowDeletes(sha);
        }

        sweeper.sweep();

        assertThat(blobs.exists(sha)).as("swept").isFalse();
    }

    @Test
    void aRunningJobIsStoppedAndDeletedOnceItHasStopped() {
        // An external worker's attempt: it runs until the worker says it has stopped.
        String worker = api.newWorker("ud-worker-" + UUID.randomUUID());
        String processor = "ud-" + UUID.randomUUID().toString().substring(0, 8);
        api.declare(worker, processor, "{\"accepts\":[\"*/*\"]}");
        String file = api.file(token, random(1000), "f.bin");
        String job = api.submit(token, processor, file, "{}");
        String lease = api.post(
                        "/api/v1/worker/claim",
                        worker,
                        "{\"worker\":\"w\",\"processors\":[\"" + processor + "\"],\"waitSeconds\":5}")
                .json()
                .get("jobs")
                .get(0)
                .get("lease")
                .asString();

        Api.Response deleted = deleteUser(userId, "?data=delete");
        assertThat(deleted.status()).as("%s", deleted).isEqualTo(202);
        assertThat(deleted.json().get("runningJobs").get(0).asString()).isEqualTo(job);
        assertThat(api.get("/api/v1/session", token).status()).isEqualTo(401);
        assertThat(api.job(Api.ADMIN_TOKEN, job).get("cancelRequested").asBoolean())
                .as("asked to stop")
                .isTrue();
        assertThat(deletions.sweep()).as("still running").containsExactly(job);

        api.post("/api/v1/worker/jobs/" + job + "/complete", worker, "{\"lease\":\"" + lease + "\"}");
        await().atMost(WAIT)
                .until(() ->
                        !api.job(Api.ADMIN_TOKEN, job).get("state").asString().equals("running"));
        assertThat(deletions.sweep()).isEmpty();
        assertThat(api.get("/api/v1/jobs/" + job, Api.ADMIN_TOKEN).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/files/" + file, Api.ADMIN_TOKEN).status()).isEqualTo(404);
    }
}
