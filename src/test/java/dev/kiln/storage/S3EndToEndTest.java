package dev.kiln.storage;

import static dev.kiln.testing.TestBytes.PNG;
import static dev.kiln.testing.TestBytes.concat;
import static dev.kiln.testing.TestBytes.random;
import static dev.kiln.testing.TestBytes.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.KilnHome;
import dev.kiln.support.Digests;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.S3Server;
import dev.kiln.uploads.StorageSweeper;
import dev.kiln.uploads.TusRequests;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * A whole Kiln with its files in S3 (S3Mock): a tus upload lands in the bucket, a job's processor
 * reads it through the local cache, a ranged download through a signed link, a deletion removes the
 * object; with the server gone, an upload is a 503 and readiness names the bucket.
 */
@TestPropertySource(
        properties = {
            "kiln.test.database=sqlite",
            // Smaller than any upload here: nothing stays cached, so the job's input is fetched from the bucket.
            "kiln.storage.s3.cache-size=1KB",
            "kiln.storage.s3.prefix=e2e",
            // A file's content goes with its deletion, not with a later sweep.
            "kiln.uploads.blob-grace=0s"
        })
class S3EndToEndTest extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String READINESS = "/actuator/health/readiness";

    @TempDir
    static Path serverDir;

    static S3Server server;

    @Autowired
    BlobStore blobs;

    @Autowired
    KilnHome home;

    @Autowired
    StorageSweeper sweeper;

    @DynamicPropertySource
    static void objectStore(DynamicPropertyRegistry registry) throws IOException {
        server = S3Server.start(serverDir, "kiln-e2e");
        server.kilnSettings().forEach((name, value) -> registry.add(name, () -> value));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void uploadProcessDownloadAndDeleteWithTheFilesInTheBucket() throws Exception {
        assertThat(blobs).isInstanceOf(S3BlobStore.class);
        String token = api.newMember("s3-" + UUID.randomUUID());
        byte[] content = concat(PNG, random(300_000));
        String sha = sha256(content);

        TusRequests uploads = new TusRequests(api, token);
        String url = uploads.create(content.length, Map.of("filename", "picture.png"));
        uploads.patch(url, 0, Arrays.copyOfRange(content, 0, 100_000));
        String fileId = uploads.patch(url, 100_000, Arrays.copyOfRange(content, 100_000, content.length))
                .header("Kiln-File-Id")
                .orElseThrow();
        assertThat(blobs.exists(sha)).as("in the bucket").isTrue();
        assertThat(home.resolve("blob-cache").resolve(sha)).as("not cached").doesNotExist();

        String job = api.submit(token, "test-echo", fileId, "{\"partials\":0}");
        await().atMost(WAIT).until(() -> api.state(token, job).equals("succeeded"));
        assertThat(api.get("/api/v1/jobs/" + job + "/result", token)
                        .json()
                        .get("sha256")
                        .asString())
                .as("the processor read the whole input through the cache")
                .isEqualTo(sha);
        assertThat(home.resolve("blob-cache").resolve(sha))
                .as("evicted once the job let it go")
                .doesNotExist();

        String link = api.post("/api/v1/files/" + fileId + "/link", token, "")
                .json()
                .get("href")
                .asString();
        HttpResponse<byte[]> part = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + link))
                                .header("Range", "bytes=200000-200099")
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(content, 200_000, 200_100));

        assertThat(api.delete("/api/v1/files/" + fileId + "?jobs=delete", token).status())
                .isEqualTo(204);
        assertThat(blobs.exists(sha)).as("the object went with its last file").isFalse();
        assertThat(api.get("/actuator/prometheus", Api.ADMIN_TOKEN).body())
                .contains("kiln_storage_s3_requests_seconds_count{operation=\"PutObject\",outcome=\"success\"}")
                .contains("kiln_storage_s3_requests_seconds_count{operation=\"DeleteObject\",outcome=\"success\"}");
    }

    @Test
    void withTheObjectStoreGoneAnUploadIsA503AndReadinessNamesTheBucket() throws Exception {
        String token = api.newMember("s3-down-" + UUID.randomUUID());
        server.stop();
        try {
            Api.Response refused = api.upload(token, random(5_000), "notes.bin");
            assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
            assertThat(refused.code()).isEqualTo("storage_unavailable");
            assertThat(refused.header("Retry-After")).isPresent();

            Api.Response readiness = api.get(READINESS, Api.ADMIN_TOKEN);
            assertThat(readiness.status()).isEqualTo(503);
            assertThat(readiness
                            .json()
                            .at("/components/blobStore/details/store")
                            .asString())
                    .contains("S3 bucket kiln-e2e");
        } finally {
            server.startAgain();
        }
        await().atMost(WAIT).until(() -> api.get(READINESS, null).status() == 200);
        assertThat(api.upload(token, random(5_000), "notes.bin").status()).isEqualTo(201);
    }

    @Test
    void withTheLocalCacheUnwritableReadinessSaysSo() throws Exception {
        // Root writes through permissions: a file where the cache's directory was fails every write there.
        Path tmp = home.resolve("blob-cache").resolve("tmp");
        Path aside = home.resolve("blob-cache").resolve("tmp-aside");
        Files.move(tmp, aside);
        Files.writeString(tmp, "not a directory");
        try {
            await().atMost(WAIT).until(() -> api.get(READINESS, null).status() == 503);
            assertThat(api.get(READINESS, Api.ADMIN_TOKEN)
                            .json()
                            .at("/components/blobStore/status")
                            .asString())
                    .isEqualTo("DOWN");
        } finally {
            Files.delete(tmp);
            Files.move(aside, tmp);
        }
        await().atMost(WAIT).until(() -> api.get(READINESS, null).status() == 200);
    }

    @Test
    void aTusUploadOutlivesTheStoreGoingAwayAndResumesWithoutThisNodesPartFile() throws Exception {
        String token = api.newMember("s3-resume-" + UUID.randomUUID());
        byte[] content = random(600_000);
        TusRequests uploads = new TusRequests(api, token);
        String url = uploads.create(content.length, Map.of("filename", "recording.bin"));
        assertThat(uploads.patch(url, 0, Arrays.copyOfRange(content, 0, 200_000))
                        .status())
                .isEqualTo(204);

        server.stop();
        try {
            Api.Response refused = uploads.patch(url, 200_000, Arrays.copyOfRange(content, 200_000, 400_000));
            assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
            assertThat(refused.code()).isEqualTo("storage_unavailable");
            assertThat(uploads.offset(url))
                    .as("only what reached the bucket counts")
                    .isEqualTo(200_000);
        } finally {
            server.startAgain();
        }
        // As on a node that never saw the upload: the bytes so far come back from the bucket.
        String id = url.substring(url.lastIndexOf('/') + 1);
        Files.delete(home.resolve("uploads").resolve(id + ".part"));
        Api.Response last = uploads.patch(url, 200_000, Arrays.copyOfRange(content, 200_000, content.length));
        assertThat(last.status()).as(last.toString()).isEqualTo(204);

        String fileId = last.header("Kiln-File-Id").orElseThrow();
        assertThat(api.get("/api/v1/files/" + fileId, token)
                        .json()
                        .get("sha256")
                        .asString())
                .isEqualTo(sha256(content));
        assertThat(blobs.exists(sha256(content))).isTrue();
        assertThat(home.resolve("uploads").resolve(id + ".part")).doesNotExist();
    }

    /**
     * A request that ran past the upload's length was taken back after a checkpoint had saved its
     * bytes; the good bytes sent again were saved in smaller ranges. The object named by the file's
     * hash must hold the file, not a join through the range taken back (longest steps first).
     */
    @Test
    void aSavedRangeTakenBackIsNeverJoinedIntoTheStoredObject() throws Exception {
        UploadParts parts = ((S3BlobStore) blobs).uploadParts();
        String upload = "upl_" + UUID.randomUUID().toString().replace("-", "");
        int mb = 1 << 20;
        byte[] content = random(12 * mb);
        Path file = Files.write(home.resolve(upload + "-good.part"), content);
        Path takenBack = Files.write(home.resolve(upload + "-taken-back.part"), random(10 * mb));
        saveRange(parts, upload, takenBack, 0, 10 * mb);
        saveRange(parts, upload, file, 0, 5 * mb);
        saveRange(parts, upload, file, 5 * mb, 10 * mb);
        saveRange(parts, upload, file, 10 * mb, 12 * mb);

        parts.store(upload, file, content.length, sha256(content));

        try (var stored = blobs.open(sha256(content))) {
            assertThat(sha256(stored.readAllBytes())).isEqualTo(sha256(content));
        }
        blobs.delete(sha256(content));
    }

    private static void saveRange(UploadParts parts, String upload, Path file, long from, long to) throws IOException {
        byte[] bytes = Arrays.copyOfRange(Files.readAllBytes(file), (int) from, (int) to);
        parts.save(upload, file, from, to, Digests.sha256().digest(bytes));
    }

    @Test
    void theSweepRemovesSavedBytesThatOutlivedTheirUpload() throws Exception {
        UploadParts parts = ((S3BlobStore) blobs).uploadParts();
        Path leftover = Files.write(home.resolve("leftover.part"), random(1_000));
        parts.save("upl_gone", leftover, 0, 1_000, Digests.sha256().digest(Files.readAllBytes(leftover)));
        assertThat(parts.savedBefore(Instant.now().plusSeconds(60))).contains("upl_gone");

        await().atMost(WAIT).untilAsserted(() -> {
            sweeper.sweep();
            assertThat(parts.savedBefore(Instant.now().plusSeconds(60))).doesNotContain("upl_gone");
        });
    }
}
