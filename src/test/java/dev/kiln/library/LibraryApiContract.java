package dev.kiln.library;

import static dev.kiln.testing.TestBytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.events.EventLog;
import dev.kiln.files.FileCatalog;
import dev.kiln.storage.BlobStore;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.BlobStoreFaults;
import dev.kiln.testing.StorageSweptByTest;
import dev.kiln.uploads.StorageSweeper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * "Your library" over HTTP on each database: the file list (paging, totals, search, type filter,
 * admins' owner filter), deleting files and jobs one by one and in bulk, usage and quota, the
 * shared blob going only with its last file, and a deletion that stopped after its rows finished
 * by the sweep. Content has no grace here ({@link StorageSweptByTest}).
 */
@StorageSweptByTest
abstract class LibraryApiContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Autowired
    BlobStore blobs;

    @Autowired
    EventLog eventLog;

    @Autowired
    StorageSweeper sweeper;

    @Autowired
    Deletions deletions;

    @Autowired
    FileCatalog catalog;

    String token;
    String userId;
    final List<String> running = new ArrayList<>();

    @BeforeEach
    void setUp() {
        token = api.newMember("library-" + UUID.randomUUID());
        userId = api.userId(token);
    }

    @AfterEach
    void stopRunning() {
        running.forEach(id -> api.postEmpty("/api/v1/jobs/" + id + "/cancel", Api.ADMIN_TOKEN));
    }

    private String text(String owner, String name) {
        name = java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20");
        return api.file(owner, ("text " + UUID.randomUUID()).getBytes(), name);
    }

    private Api.Response delete(String path, String as) {
        return api.delete(path, as);
    }

    private String finished(String owner, String file) {
        String job = api.submit(owner, "test-echo", file, "{}");
        await().atMost(WAIT).until(() -> api.state(owner, job).equals("succeeded"));
        return job;
    }

    private String runningJob(String owner, String file) {
        String job = api.submit(owner, "test-sleep", file, "{\"ms\":60000}");
        running.add(job);
        await().atMost(WAIT).until(() -> api.state(owner, job).equals("running"));
        return job;
    }

    /** A job that stays queued: its processor is a worker's, and no worker claims. */
    private String queuedJob(String owner, String file) {
        String processor = api.idleProcessor();
        return api.submit(owner, processor, file, "{}");
    }

    private JsonNode files(String query, String as) {
        Api.Response list = api.get("/api/v1/files" + query, as);
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        return list.json();
    }

    private static List<String> ids(Iterable<JsonNode> items) {
        List<String> ids = new ArrayList<>();
        items.forEach(item -> ids.add(item.get("id").asString()));
        return ids;
    }

    @Test
    void theListIsNewestFirstPagedStablyWithTotalsSearchAndTypeFilter() {
        String alpha = text(token, "Alpha notes.txt");
        String beta = text(token, "beta.txt");
        String bin = api.file(token, random(3000), "ALPHABET.bin");

        JsonNode first = files("?limit=2", token);
        assertThat(first.get("total").asLong()).isEqualTo(3);
        assertThat(ids(first.get("items"))).containsExactly(bin, beta);
        String more = text(token, "newer.txt"); // arrives between pages: neither repeated nor skipped
        JsonNode second = files("?limit=2&cursor=" + first.get("nextCursor").asString(), token);
        assertThat(ids(second.get("items"))).containsExactly(alpha);
        assertThat(second.get("nextCursor").isNull()).isTrue();
        assertThat(files("", token).get("total").asLong()).isEqualTo(4);

        JsonNode file = second.get("items").get(0);
        assertThat(file.get("name").asString()).isEqualTo("Alpha notes.txt");
        assertThat(file.get("mediaType").asString()).isEqualTo("text/plain");
        assertThat(file.get("sha256").asString()).hasSize(64);
        assertThat(file.get("size").asLong()).isPositive();
        assertThat(file.get("createdAt").asString()).isNotBlank();
        assertThat(file.get("jobs").isEmpty()).isTrue();
        assertThat(file.get("jobCount").asLong()).isZero();
        assertThat(file.has("owner")).as("a member's own list names no owner").isFalse();

        assertThat(ids(files("?q=alpha", token).get("items"))).containsExactly(bin, alpha);
        assertThat(files("?q=ALPHA", token).get("total").asLong()).isEqualTo(2);
        assertThat(files("?q=%25", token).get("total").asLong())
                .as("a wildcard is a character")
                .isZero();
        assertThat(ids(files("?mediaType=text/plain", token).get("items"))).containsExactly(more, beta, alpha);
        assertThat(ids(files("?mediaType=application/*", token).get("items"))).containsExactly(bin);
        assertThat(api.get("/api/v1/files?mediaType=nonsense", token).code()).isEqualTo("invalid_field");
        assertThat(api.get("/api/v1/files?cursor=xyz", token).code()).isEqualTo("invalid_field");
        assertThat(api.get("/api/v1/files?limit=0", token).code()).isEqualTo("invalid_field");
    }

    @Test
    void eachFileShowsItsJobsAndTheJobListShowsItsInputAndFindsItByName() {
        String file = text(token, "Interview Monday.txt");
        String job = finished(token, file);
        String measured = api.submit(token, "test-measure", file, "{\"durationMs\":83250,\"pages\":4}");
        await().atMost(WAIT).until(() -> api.state(token, measured).equals("succeeded"));
        text(token, "other.txt");

        JsonNode item = files("?q=monday", token).get("items").get(0);
        assertThat(item.get("jobs").get(0).get("id").asString()).isEqualTo(job);
        assertThat(item.get("jobs").get(0).get("type").asString()).isEqualTo("test-echo");
        assertThat(item.get("jobs").get(0).get("state").asString()).isEqualTo("succeeded");
        assertThat(item.get("duration").asDouble()).isEqualTo(83.25);
        assertThat(item.get("pages").asInt()).isEqualTo(4);

        JsonNode jobs = api.get("/api/v1/jobs?q=MONDAY", token).json().get("items");
        assertThat(ids(jobs)).containsExactly(measured, job);
        JsonNode input = jobs.get(1).get("input");
        assertThat(input.get("fileId").asString()).isEqualTo(file);
        assertThat(input.get("name").asString()).isEqualTo("Interview Monday.txt");
        assertThat(input.get("duration").asDouble()).isEqualTo(83.25);
        assertThat(api.get("/api/v1/jobs?name=nothing-like-it", token)
                        .json()
                        .get("items")
                        .isEmpty())
                .isTrue();
        assertThat(api.job(token, job).get("input").get("name").asString()).isEqualTo("Interview Monday.txt");
    }

    /** Every page of {@code GET /api/v1/jobs?file=}, {@code limit} a page. */
    private List<JsonNode> jobsMadeFrom(String file, int limit, String as) {
        List<JsonNode> all = new ArrayList<>();
        String cursor = null;
        do {
            Api.Response page = api.get(
                    "/api/v1/jobs?file=" + file + "&limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor), as);
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            assertThat(page.json().get("items").size()).isLessThanOrEqualTo(limit);
            page.json().get("items").forEach(all::add);
            cursor = page.json().get("nextCursor").isNull()
                    ? null
                    : page.json().get("nextCursor").asString();
        } while (cursor != null);
        return all;
    }

    @Test
    void aFileRunManyTimesListsItsLatestJobsWithTheirCountAndTheJobListHasEveryOne() {
        // Was every job of every file on the page: a file retried thousands of times made a page of megabytes.
        String file = text(token, "again.txt");
        String once = text(token, "once.txt");
        List<String> made = new ArrayList<>();
        for (int i = 0; i < FileLibrary.LATEST_JOBS + 3; i++) {
            made.add(queuedJob(token, file));
        }
        String onlyJob = queuedJob(token, once);

        List<JsonNode> all = jobsMadeFrom(file, 3, token);
        assertThat(ids(all)).containsExactlyInAnyOrderElementsOf(made);
        List<java.time.Instant> created = all.stream()
                .map(job -> java.time.Instant.parse(job.get("createdAt").asString()))
                .toList();
        assertThat(created).as("newest first").isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(all)
                .allSatisfy(job ->
                        assertThat(job.get("input").get("fileId").asString()).isEqualTo(file));

        JsonNode listed = files("?q=again", token).get("items").get(0);
        assertThat(listed.get("jobCount").asLong()).isEqualTo(made.size());
        List<String> latest = new ArrayList<>(ids(all.subList(0, FileLibrary.LATEST_JOBS)));
        java.util.Collections.reverse(latest);
        assertThat(ids(listed.get("jobs"))).as("the latest, oldest first").containsExactlyElementsOf(latest);
        JsonNode single = files("?q=once", token).get("items").get(0);
        assertThat(single.get("jobCount").asLong()).isEqualTo(1);
        assertThat(ids(single.get("jobs"))).containsExactly(onlyJob);

        assertThat(ids(api.get("/api/v1/jobs?state=succeeded&file=" + file, token)
                        .json()
                        .get("items")))
                .as("with the other filters")
                .isEmpty();
        assertThat(jobsMadeFrom(file, 200, Api.ADMIN_TOKEN))
                .as("an admin's: everyone's")
                .hasSize(made.size());
    }

    @Test
    void aFilesJobsCursorReadsExactlyTheEarlierJobsWhateverWasMadeSince() {
        // The web app read ?file= from the newest and looked for the oldest shown job: with 51 made since, it
        // took newer ones for earlier ones.
        String file = text(token, "cursor.txt");
        List<String> made = new ArrayList<>();
        for (int i = 0; i < FileLibrary.LATEST_JOBS + 2; i++) {
            made.add(queuedJob(token, file));
        }
        JsonNode listed = files("?q=cursor", token).get("items").get(0);
        for (int i = 0; i < 3; i++) {
            queuedJob(token, file);
        }

        Api.Response earlier = api.get(
                "/api/v1/jobs?file=" + file + "&cursor="
                        + listed.get("jobsCursor").asString(),
                token);
        assertThat(earlier.status()).as(earlier.toString()).isEqualTo(200);
        assertThat(ids(earlier.json().get("items")))
                .as("the two before the shown five, newest first")
                .containsExactly(made.get(1), made.get(0));
        assertThat(ids(listed.get("jobs"))).containsExactlyElementsOf(made.subList(2, made.size()));

        String few = text(token, "few-jobs.txt");
        queuedJob(token, few);
        JsonNode all = files("?q=few-jobs", token).get("items").get(0);
        assertThat(all.has("jobsCursor")).isTrue();
        assertThat(all.get("jobsCursor").isNull())
                .as("all shown: no earlier jobs")
                .isTrue();
        assertThat(files("?q=nothing-made", token).get("items")).isEmpty();
    }

    @Test
    void aMembersFileListCountsAndShowsOnlyTheJobsTheyCanSeeAsTheJobListDoes() {
        String file = text(token, "shared-runs.txt");
        List<String> theirs = new ArrayList<>();
        for (int i = 0; i < FileLibrary.LATEST_JOBS + 1; i++) {
            theirs.add(queuedJob(token, file));
        }
        String admins = queuedJob(Api.ADMIN_TOKEN, file);

        JsonNode member = files("?q=shared-runs", token).get("items").get(0);
        assertThat(member.get("jobCount").asLong()).isEqualTo(theirs.size());
        assertThat(ids(member.get("jobs")))
                .doesNotContain(admins)
                .containsExactlyElementsOf(theirs.subList(1, theirs.size()));
        assertThat(ids(jobsMadeFrom(file, 50, token))).hasSize(theirs.size());
        assertThat(ids(api.get(
                                "/api/v1/jobs?file=" + file + "&cursor="
                                        + member.get("jobsCursor").asString(),
                                token)
                        .json()
                        .get("items")))
                .containsExactly(theirs.get(0));

        JsonNode admin = files("?q=shared-runs&owner=" + userId, Api.ADMIN_TOKEN)
                .get("items")
                .get(0);
        assertThat(admin.get("jobCount").asLong()).as("an admin's: everyone's").isEqualTo(theirs.size() + 1);
        assertThat(ids(admin.get("jobs"))).endsWith(admins);
    }

    @Test
    void theJobsOfAnotherUsersFileListAsThoseOfAFileThatDoesNotExist() {
        String file = text(token, "private.txt");
        queuedJob(token, file);
        String other = api.newMember("library-other-" + UUID.randomUUID());

        Api.Response foreign = api.get("/api/v1/jobs?file=" + file, other);
        Api.Response unknown = api.get("/api/v1/jobs?file=file_" + "a".repeat(26), other);
        assertThat(foreign.status()).isEqualTo(200);
        assertThat(foreign.json().get("items").isEmpty()).isTrue();
        assertThat(foreign.body()).isEqualTo(unknown.body());
        Api.Response malformed = api.get("/api/v1/jobs?file=job_" + "a".repeat(26), token);
        assertThat(malformed.code()).isEqualTo("invalid_field");
        assertThat(malformed.json().get("field").asString()).isEqualTo("file");
    }

    @Test
    void adminsListEveryonesFilesAndFilterByOwner() {
        String mine = text(token, "mine.txt");
        String other = api.newMember("library-other-" + UUID.randomUUID());
        text(other, "theirs.txt");

        JsonNode all = files("?limit=200", Api.ADMIN_TOKEN);
        assertThat(all.get("total").asLong()).isGreaterThanOrEqualTo(2);
        JsonNode owned = files("?owner=" + userId, Api.ADMIN_TOKEN);
        assertThat(ids(owned.get("items"))).containsExactly(mine);
        assertThat(owned.get("items").get(0).get("owner").asString()).isEqualTo(userId);
        assertThat(files("?owner=" + userId, other).get("total").asLong())
                .as("a member's owner filter only narrows their own")
                .isZero();
    }

    @Test
    void theOwnerOrAnAdminDeletesAFileAnotherUserGets404() {
        String file = text(token, "gone.txt");
        String other = api.newMember("library-other-" + UUID.randomUUID());

        Api.Response stranger = delete("/api/v1/files/" + file, other);
        assertThat(stranger.status()).isEqualTo(404);
        assertThat(stranger.code()).isEqualTo("file_not_found");
        assertThat(delete("/api/v1/files/file_" + "a".repeat(26), token).code()).isEqualTo("file_not_found");

        assertThat(delete("/api/v1/files/" + file, token).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/files/" + file, token).status()).isEqualTo(404);
        assertThat(delete("/api/v1/files/" + file, token).status()).isEqualTo(404);

        String another = text(token, "admin-deletes.txt");
        assertThat(delete("/api/v1/files/" + another, Api.ADMIN_TOKEN).status()).isEqualTo(204);
        assertThat(files("", token).get("total").asLong()).isZero();
        JsonNode audit = api.get("/api/v1/admin/audit?action=file.deleted&limit=500", Api.ADMIN_TOKEN)
                .json();
        assertThat(audit.toString()).contains(file).contains(another);
    }

    @Test
    void aFileThatWaitingJobsNeedIsRefusedUnlessItsJobsGoToo() {
        String file = text(token, "needed.txt");
        String done = finished(token, file);
        String queued = queuedJob(token, file);

        Api.Response refused = delete("/api/v1/files/" + file, token);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.code()).isEqualTo("file_in_use");
        assertThat(ids(refused.json().get("jobs"))).containsExactly(queued);
        assertThat(api.get("/api/v1/files/" + file, token).status()).isEqualTo(200);
        assertThat(delete("/api/v1/files/" + file + "?jobs=keep", token).code()).isEqualTo("invalid_field");

        assertThat(delete("/api/v1/files/" + file + "?jobs=delete", token).status())
                .isEqualTo(204);
        assertThat(api.get("/api/v1/jobs/" + queued, token).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs/" + done, token).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/files/" + file, token).status()).isEqualTo(404);
    }

    @Test
    void finishedJobsOutliveTheirDeletedInput() {
        String file = text(token, "input.txt");
        String job = finished(token, file);

        assertThat(delete("/api/v1/files/" + file, token).status()).isEqualTo(204);

        JsonNode kept = api.job(token, job);
        assertThat(kept.get("state").asString()).isEqualTo("succeeded");
        assertThat(kept.has("input")).isFalse();
        assertThat(api.get("/api/v1/jobs/" + job + "/result", token).status()).isEqualTo(200);
    }

    @Test
    void aRetriedJobWhoseInputWasDeletedFailsAtOnceAsInputMissing() {
        String file = text(token, "gone.txt");
        String job = api.submit(token, "test-fail", file, "{\"failures\":1,\"retryable\":false}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("failed"));
        assertThat(delete("/api/v1/files/" + file, token).status()).isEqualTo(204);

        assertThat(api.postEmpty("/api/v1/jobs/" + job + "/retry", token).status())
                .isEqualTo(202);
        await().atMost(WAIT).until(() -> api.state(token, job).equals("failed"));
        JsonNode failed = api.job(token, job); // without the check, the processor ran with no file
        assertThat(failed.get("error").get("code").asString()).isEqualTo("input_missing");
        assertThat(failed.get("attempt").asInt()).isEqualTo(1); // a retry counts attempts anew
    }

    @Test
    void aRunningJobIsNotDeletedUntilCancelledAWaitingOneIsDeletedAtOnce() {
        String file = text(token, "long.txt");
        String job = runningJob(token, file);

        Api.Response refused = delete("/api/v1/jobs/" + job, token);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.code()).isEqualTo("job_running");
        assertThat(refused.json().get("state").asString()).isEqualTo("running");
        Api.Response withFile = delete("/api/v1/files/" + file + "?jobs=delete", token);
        assertThat(withFile.code()).isEqualTo("job_running");
        assertThat(ids(withFile.json().get("jobs"))).containsExactly(job);

        api.postEmpty("/api/v1/jobs/" + job + "/cancel", token);
        await().atMost(WAIT).until(() -> api.state(token, job).equals("cancelled"));
        assertThat(delete("/api/v1/jobs/" + job, token).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/jobs/" + job, token).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs/" + job + "/events", token).status()).isEqualTo(404);

        String queued = queuedJob(token, file);
        assertThat(delete("/api/v1/jobs/" + queued, token).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/jobs/" + queued, token).status()).isEqualTo(404);
    }

    @Test
    void aFinishedJobGoesWithItsEventsAndResultOnlyForItsOwnerOrAnAdmin() {
        String file = text(token, "echo.txt");
        String job = finished(token, file);
        String other = api.newMember("library-other-" + UUID.randomUUID());

        assertThat(delete("/api/v1/jobs/" + job, other).code()).isEqualTo("job_not_found");
        assertThat(eventLog.after(job, 0, 1)).isNotEmpty();
        assertThat(delete("/api/v1/jobs/" + job, token).status()).isEqualTo(204);
        assertThat(eventLog.after(job, 0, 1))
                .as("its log goes with it (a trigger on PostgreSQL, the key's cascade on SQLite)")
                .isEmpty();
        assertThat(api.get("/api/v1/jobs/" + job + "/result", token).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs/" + job + "/events", token).status()).isEqualTo(404);
        assertThat(delete("/api/v1/jobs/" + job, token).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/files/" + file, token).status())
                .as("the file stays")
                .isEqualTo(200);

        String byAdmin = finished(token, file);
        assertThat(delete("/api/v1/jobs/" + byAdmin, Api.ADMIN_TOKEN).status()).isEqualTo(204);
    }

    @Test
    void aSelectionIsDeletedWithAnOutcomePerId() {
        String a = text(token, "a.txt");
        String b = text(token, "b.txt");
        String other = api.newMember("library-other-" + UUID.randomUUID());
        String theirs = text(other, "theirs.txt");
        String needed = text(token, "needed.txt");
        String queued = queuedJob(token, needed);

        JsonNode outcome = api.post(
                        "/api/v1/files/delete",
                        token,
                        "{\"ids\":[\"" + a + "\",\"" + theirs + "\",\"" + b + "\",\"" + needed + "\",\"" + a + "\"]}")
                .json()
                .get("items");
        assertThat(outcome.size()).isEqualTo(4);
        assertThat(outcome.get(0).get("status").asInt()).isEqualTo(204);
        assertThat(outcome.get(1).get("code").asString()).isEqualTo("file_not_found");
        assertThat(outcome.get(2).get("status").asInt()).isEqualTo(204);
        assertThat(outcome.get(3).get("code").asString()).isEqualTo("file_in_use");
        assertThat(api.get("/api/v1/files/" + theirs, other).status()).isEqualTo(200);

        String done = finished(token, needed);
        JsonNode jobs = api.post("/api/v1/jobs/delete", token, "{\"ids\":[\"" + done + "\",\"" + queued + "\"]}")
                .json()
                .get("items");
        assertThat(jobs.get(0).get("status").asInt()).isEqualTo(204);
        assertThat(jobs.get(1).get("status").asInt()).isEqualTo(204);
        assertThat(api.post("/api/v1/jobs/delete", token, "{\"ids\":[]}").code())
                .isEqualTo("invalid_field");
        assertThat(api.post("/api/v1/files/delete", token, "{\"ids\":[1]}").code())
                .isEqualTo("invalid_field");
        assertThat(api.post("/api/v1/files/delete", token, "[]").code()).isEqualTo("invalid_field");
    }

    @Test
    void usageCountsFilesBytesAndJobsAndADeletionFreesQuotaAtOnce() {
        byte[] big = random(900_000);
        String first = api.file(token, big, "first.bin");
        String second = api.file(token, random(900_000), "second.bin");
        finished(token, text(token, "small.txt"));

        JsonNode usage = api.get("/api/v1/me/usage", token).json();
        assertThat(usage.get("files").asLong()).isEqualTo(3);
        assertThat(usage.get("storedBytes").asLong()).isGreaterThan(1_800_000);
        assertThat(usage.get("quotaBytes").asLong()).isEqualTo(2 * 1024 * 1024);
        assertThat(usage.get("jobs").get("succeeded").asLong()).isEqualTo(1);
        assertThat(usage.get("jobs").get("queued").asLong()).isZero();

        Api.Response over = api.upload(token, random(900_000), "third.bin");
        assertThat(over.status()).isEqualTo(413);
        assertThat(over.code()).isEqualTo("quota_exceeded");
        assertThat(over.json().get("usage").get("files").asLong()).isEqualTo(3);
        assertThat(over.json().get("usage").get("storedBytes").asLong())
                .isEqualTo(usage.get("storedBytes").asLong());

        assertThat(delete("/api/v1/files/" + second, token).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/me/usage", token).json().get("files").asLong())
                .isEqualTo(2);
        assertThat(api.upload(token, random(900_000), "third.bin").status()).isEqualTo(201);
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void sharedContentStaysUntilItsLastFileGoes() {
        byte[] content = random(20_000);
        String other = api.newMember("library-other-" + UUID.randomUUID());
        String mine = api.file(token, content, "same.bin");
        String theirs = api.file(other, content, "same-too.bin");
        String sha =
                api.get("/api/v1/files/" + mine, token).json().get("sha256").asString();

        assertThat(delete("/api/v1/files/" + mine, token).status()).isEqualTo(204);
        assertThat(blobs.exists(sha)).as("still used by another file").isTrue();
        assertThat(api.get("/api/v1/files/" + theirs + "/content", other).status())
                .isEqualTo(200);

        assertThat(delete("/api/v1/files/" + theirs, other).status()).isEqualTo(204);
        assertThat(blobs.exists(sha)).as("gone with its last file").isFalse();
    }

    /** Was 503 storage_unavailable with the rows already gone: a retry then got 404, as if the delete had failed. */
    @Test
    void aDeletionWhoseBytesCannotGoNowIsDoneAndTheSweepTakesThemLater() {
        String single = text(token, "single.txt");
        String first = text(token, "first.txt");
        String second = text(token, "second.txt");
        List<String> hashes = new ArrayList<>();
        for (String file : List.of(single, first, second)) {
            String sha =
                    api.get("/api/v1/files/" + file, token).json().get("sha256").asString();
            BlobStoreFaults.of(blobs).refuseDeletes(sha);
            hashes.add(sha);
        }
        try {
            assertThat(delete("/api/v1/files/" + single, token).status()).isEqualTo(204);
            JsonNode items = api.post("/api/v1/files/delete", token, "{\"ids\":[\"" + first + "\",\"" + second + "\"]}")
                    .json()
                    .get("items");
            assertThat(items.get(0).get("status").asInt()).as(items.toString()).isEqualTo(204);
            assertThat(items.get(1).get("status").asInt()).as(items.toString()).isEqualTo(204);
            for (String file : List.of(single, first, second)) {
                assertThat(api.get("/api/v1/files/" + file, token).status()).isEqualTo(404);
            }
            assertThat(hashes).allSatisfy(sha -> assertThat(blobs.exists(sha)).isTrue());
        } finally {
            hashes.forEach(BlobStoreFaults.of(blobs)::allowDeletes);
        }

        sweeper.sweep();

        assertThat(hashes)
                .allSatisfy(sha -> assertThat(blobs.exists(sha)).as("swept").isFalse());
    }

    @Test
    void aDeletionThatStoppedAfterItsRowsIsFinishedByTheSweep() {
        String file = text(token, "half.txt");
        String job = finished(token, file);
        var info = catalog.find(file, new dev.kiln.auth.User(userId, "x", dev.kiln.auth.Role.MEMBER))
                .orElseThrow();

        // Step 1 alone, as if the node died before the bytes went.
        assertThat(deletions.deleteRows(info, true)).isInstanceOf(Deletions.FileOutcome.Deleted.class);
        assertThat(api.get("/api/v1/files/" + file, token).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/jobs/" + job, token).status()).isEqualTo(404);
        assertThat(blobs.exists(info.sha256())).isTrue();

        sweeper.sweep();

        assertThat(blobs.exists(info.sha256())).isFalse();
    }
}
