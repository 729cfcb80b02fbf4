package dev.kiln.uploads;

import static dev.kiln.testing.TestBytes.random;
import static dev.kiln.uploads.TusProtocolContract.expectProblem;
import static dev.kiln.uploads.TusRequests.tus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.KilnHome;
import dev.kiln.db.Database;
import dev.kiln.files.FileCatalog;
import dev.kiln.jobs.ResultFiles;
import dev.kiln.storage.BlobStore;
import dev.kiln.storage.UploadParts;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.StorageSweptByTest;
import dev.kiln.testing.TestBytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Expiry and the storage sweep, on each database: uploads expire a second after their last write
 * here, content is swept as soon as nothing refers to it, and the test runs the sweep itself.
 */
@StorageSweptByTest
abstract class StorageSweepContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Autowired
    StorageSweeper sweeper;

    @Autowired
    PartFiles parts;

    @Autowired
    BlobStore blobs;

    @Autowired
    ResultFiles resultFiles;

    @Autowired
    UploadStore uploadStore;

    @Autowired
    UploadParts savedParts;

    @Autowired
    FileCatalog files;

    @Autowired
    UploadSettings settings;

    @Autowired
    Database db;

    String token;
    TusRequests uploads;

    @BeforeEach
    void setUp() {
        token = api.newMember("sweep-" + UUID.randomUUID());
        uploads = new TusRequests(api, token);
    }

    @Test
    void anAbandonedUploadExpiresAndTheSweepRemovesItsBytes() {
        String url = uploads.create(1000, Map.of());
        uploads.patch(url, 0, random(400));
        String id = url.substring(url.lastIndexOf('/') + 1);
        assertThat(parts.path(id)).exists();

        await().atMost(WAIT).until(() -> uploads.head(url).status() == 410);
        expectProblem(uploads.head(url), 410, null);
        expectProblem(uploads.patch(url, 400, random(600)), 410, "upload_expired");
        assertThat(parts.path(id)).as("kept until swept").exists();

        sweeper.sweep();

        expectProblem(uploads.head(url), 404, null);
        assertThat(parts.path(id)).doesNotExist();
    }

    /**
     * Another node on the same database, with a home of its own: it received the first bytes of
     * three uploads before its client moved on (no offset recorded); on this node one is then
     * completed and one terminated. The other node's sweep removes its copies of those two, after
     * the grace, and keeps the third's.
     */
    @Test
    void eachNodesSweepRemovesItsOwnPartFilesOfUploadsThatEndedElsewhere(@TempDir Path otherHome) throws Exception {
        PartFiles otherParts = new PartFiles(new KilnHome(otherHome), savedParts);
        byte[] content = random(3000);
        String completed = uploads.create(content.length, Map.of());
        String terminated = uploads.create(content.length, Map.of());
        String open = uploads.create(content.length, Map.of());
        for (String url : new String[] {completed, terminated, open}) {
            writeFirstBytes(otherParts, id(url), content);
        }
        // Open for an hour, beyond this context's one-second expiry, so no sweep takes it.
        db.write(() -> db.sql()
                .sql("UPDATE uploads SET expires_at = ? WHERE id = ?")
                .params(Instant.now().plus(Duration.ofHours(1)).toEpochMilli(), id(open))
                .update());

        assertThat(uploads.patch(completed, 0, content).status()).isEqualTo(204);
        assertThat(api.send(tus(api.request(terminated, token)).DELETE().build())
                        .status())
                .isEqualTo(204);
        assertThat(otherParts.path(id(completed))).exists();

        sweeperOf(otherParts, Duration.ofHours(1)).sweep();
        assertThat(otherParts.path(id(terminated))).as("within the grace").exists();
        sweeperOf(otherParts, Duration.ZERO).sweep();

        assertThat(otherParts.path(id(completed)))
                .as("completed on the other node")
                .doesNotExist();
        assertThat(otherParts.path(id(terminated)))
                .as("terminated on the other node")
                .doesNotExist();
        assertThat(otherParts.path(id(open))).as("still open").exists();
        assertThat(parts.path(id(open))).as("never written here").doesNotExist();
    }

    private StorageSweeper sweeperOf(PartFiles nodesParts, Duration grace) {
        UploadSettings withGrace = new UploadSettings(
                settings.expireAfter(),
                settings.lockStaleAfter(),
                settings.checkpointEvery(),
                settings.sweepInterval(),
                grace);
        return new StorageSweeper(uploadStore, nodesParts, blobs, files, withGrace, Clock.systemUTC());
    }

    private static void writeFirstBytes(PartFiles nodesParts, String id, byte[] content) throws IOException {
        try (PartFiles.Writer writer = nodesParts.open(id, 0)) {
            assertThat(writer.write(content, 1000)).isTrue();
            writer.makeDurable();
        }
    }

    private static String id(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    @Test
    void theSweepTakesContentNothingRefersToAndKeepsFiles() throws Exception {
        String orphan =
                blobs.put(new ByteArrayInputStream(random(5000)), 10_000).sha256();
        byte[] content = random(3000);
        String url = uploads.create(content.length, Map.of("filename", "kept.bin"));
        String fileId = uploads.patch(url, 0, content).header("Kiln-File-Id").orElseThrow();
        String kept =
                api.get("/api/v1/files/" + fileId, token).json().get("sha256").asString();

        // Sweeps until the finished upload's record has expired (1 s); the orphan has no grace.
        await().atMost(WAIT).until(() -> {
            sweeper.sweep();
            return uploads.head(url).status() == 404;
        });

        assertThat(blobs.exists(orphan)).as("content no file refers to").isFalse();
        assertThat(blobs.exists(kept)).as("a file's content").isTrue();
        Api.Response file = api.get("/api/v1/files/" + fileId, token);
        assertThat(file.status()).isEqualTo(200);
        expectProblem(uploads.head(url), 404, null); // a finished upload's record goes, its file stays
    }

    @Test
    void aResultFilesContentIsKeptWhileItsAttemptsFilesAreTheJobs() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String worker = api.newWorker("sw-" + suffix);
        String processor = "sweep-" + suffix;
        api.declare(worker, processor, "{\"accepts\":[\"none\"],\"limits\":{\"maxAttempts\":1}}");
        String kept = runAndUpload(worker, processor, "complete", "");
        String dropped = runAndUpload(worker, processor, "fail", ",\"code\":\"broken\",\"message\":\"no\"");

        resultFiles.sweep();
        sweeper.sweep();
        assertThat(blobs.exists(kept)).as("the succeeded attempt's file").isTrue();
        assertThat(blobs.exists(dropped))
                .as("the failed attempt's file, once its row went")
                .isFalse();
    }

    /** A job the worker runs to {@code end} after uploading a file of fresh content; that content's sha256. */
    private String runAndUpload(String worker, String processor, String end, String endFields) {
        String job = api.post("/api/v1/jobs", token, "{\"type\":\"" + processor + "\"}")
                .json()
                .get("id")
                .asString();
        String lease = api.post(
                        "/api/v1/worker/claim",
                        worker,
                        "{\"worker\":\"w\",\"processors\":[\"" + processor + "\"],\"waitSeconds\":5}")
                .json()
                .get("jobs")
                .get(0)
                .get("lease")
                .asString();
        byte[] content = random(2000);
        assertThat(api.send(api.request("/api/v1/worker/jobs/" + job + "/files/out.bin", worker)
                                .header("Kiln-Lease", lease)
                                .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                                .build())
                        .status())
                .isEqualTo(200);
        assertThat(api.post(
                                "/api/v1/worker/jobs/" + job + "/" + end,
                                worker,
                                "{\"lease\":\"" + lease + "\"" + endFields + "}")
                        .status())
                .isEqualTo(200);
        return TestBytes.sha256(content);
    }
}
