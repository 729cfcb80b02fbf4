package dev.kiln.library;

import static dev.kiln.testing.TestBytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.db.Database;
import dev.kiln.events.EventLog;
import dev.kiln.files.FileCatalog;
import dev.kiln.jobs.JobDeletion;
import dev.kiln.storage.BlobStore;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.MutableClock;
import dev.kiln.uploads.StorageSweeper;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Retention on each database, with a sweeper of its own whose clock the test moves: event logs
 * trimmed to their final state (the job still readable, with its result), then finished jobs past
 * their age gone with their unused files (and the content), while waiting and running jobs and
 * the files they need stay. A database of its own: a clock months ahead would sweep other tests' data.
 */
@TestPropertySource(
        properties = {
            "kiln.test.own-database=true",
            "kiln.uploads.blob-grace=0s",
            "kiln.retention.jobs=30d",
            "kiln.retention.files=30d",
            "kiln.retention.events=7d",
            "kiln.retention.batch-size=2"
        })
abstract class RetentionContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Autowired
    Database db;

    @Autowired
    RetentionSettings settings;

    @Autowired
    JobDeletion jobDeletion;

    @Autowired
    Deletions deletions;

    @Autowired
    EventLog eventLog;

    @Autowired
    StorageSweeper storage;

    @Autowired
    FileCatalog catalog;

    @Autowired
    BlobStore blobs;

    @Autowired
    MeterRegistry registry;

    String token;
    final List<String> running = new ArrayList<>();

    @BeforeEach
    void setUp() {
        token = api.newMember("retention-" + UUID.randomUUID());
    }

    @AfterEach
    void stopRunning() {
        running.forEach(id -> api.postEmpty("/api/v1/jobs/" + id + "/cancel", Api.ADMIN_TOKEN));
    }

    private RetentionSweeper sweeper(RetentionSettings with, Duration ahead) {
        MutableClock clock = new MutableClock(Instant.now().plus(ahead));
        return new RetentionSweeper(db, clock, with, jobDeletion, deletions, eventLog, storage, catalog, registry);
    }

    /** Sweeps until a pass removes nothing; what all passes removed. */
    private static RetentionSweeper.Removed sweepAll(RetentionSweeper sweeper) {
        int jobs = 0;
        int files = 0;
        int events = 0;
        for (int pass = 0; pass < 1000; pass++) {
            RetentionSweeper.Removed removed = sweeper.sweep();
            if (removed.equals(new RetentionSweeper.Removed(0, 0, 0))) {
                return new RetentionSweeper.Removed(jobs, files, events);
            }
            jobs += removed.jobs();
            files += removed.files();
            events += removed.events();
        }
        throw new AssertionError("retention did not come to rest");
    }

    private double removedTotal(String kind) {
        return registry.get("kiln.retention.removed")
                .tag("kind", kind)
                .counter()
                .count();
    }

    private String upload() {
        return api.file(token, random(5000), "r.bin");
    }

    private String finished(String file) {
        String job = api.submit(token, "test-echo", file, "{}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));
        return job;
    }

    private String runningJob(String file) {
        String job = api.submit(token, "test-sleep", file, "{\"ms\":60000}");
        running.add(job);
        await().atMost(WAIT).until(() -> api.state(token, job).equals("running"));
        return job;
    }

    /** A job that stays queued: its processor is a worker's, and no worker claims. */
    private String queuedJob(String file) {
        String processor = api.idleProcessor();
        return api.submit(token, processor, file, "{}");
    }

    private List<JsonNode> log(String job) {
        Api.Response page = api.get("/api/v1/jobs/" + job + "/events?after=0&limit=1000", token);
        assertThat(page.status()).as(page.toString()).isEqualTo(200);
        List<JsonNode> items = new ArrayList<>();
        page.json().get("items").forEach(items::add);
        return items;
    }

    private String sha(String file) {
        return api.get("/api/v1/files/" + file, token).json().get("sha256").asString();
    }

    @Test
    void offByDefaultNothingGoes() {
        RetentionSettings unset = new RetentionSettings(null, null, null, Duration.ofHours(1), 500);
        assertThat(unset.off()).isTrue();
        String file = upload();
        String job = finished(file);
        int events = log(job).size();

        assertThat(sweeper(unset, Duration.ofDays(3650)).sweep()).isEqualTo(new RetentionSweeper.Removed(0, 0, 0));

        assertThat(api.get("/api/v1/jobs/" + job, token).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/files/" + file, token).status()).isEqualTo(200);
        assertThat(log(job)).hasSize(events);
    }

    @Test
    void logsAreTrimmedThenOldJobsAndUnusedFilesGoButWhatIsInUseStays() {
        String oldFile = upload();
        String oldJob = finished(oldFile);
        String queuedFile = upload();
        String queued = queuedJob(queuedFile);
        String runningFile = upload();
        String runningJob = runningJob(runningFile);
        String oldSha = sha(oldFile);
        List<JsonNode> fullLog = log(oldJob);
        assertThat(fullLog.size()).isGreaterThan(2);
        double jobsBefore = removedTotal("jobs");
        double filesBefore = removedTotal("files");
        double eventsBefore = removedTotal("events");

        // A week on: logs trimmed, nothing else is old enough to go.
        RetentionSweeper.Removed week = sweepAll(sweeper(settings, Duration.ofDays(8)));
        assertThat(week.jobs()).isZero();
        assertThat(week.files()).isZero();
        List<JsonNode> trimmed = log(oldJob);
        assertThat(trimmed.stream().map(e -> e.get("kind").asString()))
                .doesNotContain("progress")
                .last()
                .isEqualTo("state");
        assertThat(trimmed.getLast()).isEqualTo(fullLog.getLast());
        assertThat(trimmed.getLast().get("data").get("state").asString()).isEqualTo("succeeded");
        assertThat(trimmed.size()).isLessThan(fullLog.size());
        assertThat(log(queued)).isNotEmpty();
        assertThat(api.state(token, oldJob)).isEqualTo("succeeded");
        assertThat(api.get("/api/v1/jobs/" + oldJob + "/result", token).status())
                .isEqualTo(200);
        assertThat(removedTotal("events") - eventsBefore)
                .isEqualTo(week.events())
                .isPositive();

        // A month on: the finished job and its file go; the waiting and running ones keep theirs.
        RetentionSweeper.Removed month = sweepAll(sweeper(settings, Duration.ofDays(31)));
        assertThat(api.get("/api/v1/jobs/" + oldJob, token).status()).isEqualTo(404);
        assertThat(eventLog.after(oldJob, 0, 1))
                .as("what was left of its log goes with it (a trigger on PostgreSQL, the key's cascade on SQLite)")
                .isEmpty();
        assertThat(api.get("/api/v1/files/" + oldFile, token).status()).isEqualTo(404);
        assertThat(blobs.exists(oldSha))
                .as("content of the unused file released")
                .isFalse();
        assertThat(api.state(token, queued)).isEqualTo("queued");
        assertThat(api.state(token, runningJob)).isEqualTo("running");
        assertThat(api.get("/api/v1/files/" + queuedFile, token).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/files/" + runningFile, token).status()).isEqualTo(200);
        assertThat(month.jobs()).isPositive();
        assertThat(month.files()).isPositive();
        assertThat(removedTotal("jobs") - jobsBefore).isEqualTo(month.jobs());
        assertThat(removedTotal("files") - filesBefore).isEqualTo(month.files());
    }

    @Test
    void aFileStaysUntilItsLastUseIsOldEnoughAndItsFinishedJobsOutliveIt() {
        String file = upload();
        String job = finished(file);
        RetentionSettings filesOnly = new RetentionSettings(null, Duration.ofDays(30), null, Duration.ofHours(1), 2);

        sweepAll(sweeper(filesOnly, Duration.ofDays(29)));
        assertThat(api.get("/api/v1/files/" + file, token).status()).isEqualTo(200);

        sweepAll(sweeper(filesOnly, Duration.ofDays(31)));
        assertThat(api.get("/api/v1/files/" + file, token).status()).isEqualTo(404);
        assertThat(api.state(token, job))
                .as("jobs retention is off: the job stays, without its input")
                .isEqualTo("succeeded");
    }
}
