package dev.kiln.uploads;

import static dev.kiln.testing.TestBytes.PNG;
import static dev.kiln.testing.TestBytes.concat;
import static dev.kiln.testing.TestBytes.random;
import static dev.kiln.testing.TestBytes.sha256;
import static dev.kiln.uploads.TusRequests.meta;
import static dev.kiln.uploads.TusRequests.tus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.db.Database;
import dev.kiln.storage.UploadParts;
import dev.kiln.support.Ids;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.StallingStream;
import dev.kiln.testing.UploadStoreFaults;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

/** tus 1.0.0 at /api/v1/uploads, edge cases included, on each database (one subclass per database). */
abstract class TusProtocolContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Autowired
    UploadStore uploadStore;

    @Autowired
    Database db;

    @Autowired
    PartFiles parts;

    @Autowired
    UploadWriter writer;

    @Autowired
    UploadParts savedParts;

    String token;
    TusRequests uploads;

    @BeforeEach
    void setUp() {
        token = api.newMember("uploader-" + UUID.randomUUID());
        uploads = new TusRequests(api, token);
    }

    @Test
    void optionsAdvertiseTheProtocol() {
        Api.Response options = api.send(api.request("/api/v1/uploads", token)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build());

        assertThat(options.status()).isEqualTo(204);
        assertThat(options.header("Tus-Version")).contains("1.0.0");
        assertThat(options.header("Tus-Resumable")).contains("1.0.0");
        assertThat(options.header("Tus-Extension").orElseThrow().split(","))
                .contains("creation", "creation-with-upload", "termination", "checksum", "expiration");
        assertThat(options.header("Tus-Max-Size")).contains(Long.toString(1024 * 1024));
        assertThat(options.header("Tus-Checksum-Algorithm").orElseThrow()).contains("sha1");
    }

    @Test
    void anUploadInChunksBecomesAFileWithItsSniffedType() throws Exception {
        byte[] content = concat(PNG, random(300_000));
        // A NUL in the name (base64 carries any byte) was 500 on PostgreSQL, which refuses it in text.
        String url =
                uploads.create(content.length, Map.of("filename", "../../holi\u0000day.png", "filetype", "text/plain"));
        assertThat(uploads.head(url).header("Upload-Offset")).contains("0");
        assertThat(uploads.head(url).header("Upload-Expires")).isPresent();

        int cut1 = 100_000;
        int cut2 = 250_000;
        assertThat(uploads.patch(url, 0, slice(content, 0, cut1)).header("Upload-Offset"))
                .contains(Integer.toString(cut1));
        assertThat(uploads.patch(url, cut1, slice(content, cut1, cut2)).header("Upload-Offset"))
                .contains(Integer.toString(cut2));
        Api.Response last = uploads.patch(url, cut2, slice(content, cut2, content.length));

        assertThat(last.status()).isEqualTo(204);
        String fileId = last.header("Kiln-File-Id").orElseThrow();
        Api.Response file = api.get("/api/v1/files/" + fileId, token);
        assertThat(file.json().get("sha256").asString()).isEqualTo(sha256(content));
        assertThat(file.json().get("size").asLong()).isEqualTo(content.length);
        assertThat(file.json().get("mediaType").asString()).isEqualTo("image/png");
        assertThat(file.json().get("name").asString()).isEqualTo("holiday.png");
        assertThat(uploads.head(url).header("Kiln-File-Id")).contains(fileId);
        assertThat(uploads.head(url).header("Upload-Offset")).contains(Integer.toString(content.length));
    }

    @Test
    void creationWithUploadTakesTheFirstBytesAlong() throws Exception {
        byte[] content = random(50_000);
        Api.Response created = api.send(tus(api.request("/api/v1/uploads", token))
                .header("Upload-Length", Integer.toString(content.length))
                .header("Content-Type", TusController.OFFSET_STREAM)
                .POST(HttpRequest.BodyPublishers.ofByteArray(slice(content, 0, 20_000)))
                .build());

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Upload-Offset")).contains("20000");
        String url = TusRequests.path(created);
        assertThat(uploads.patch(url, 20_000, slice(content, 20_000, content.length))
                        .header("Kiln-File-Id"))
                .isPresent();
    }

    /**
     * A writer of an earlier build reached the end and recorded the whole upload's hash in a write of
     * its own, then died before recording its last offset (today both go in one write). Its
     * unrecorded bytes are cut off, and the client resumes with other bytes (the file changed on its
     * disk): the upload becomes what was received, not a server error on every retry of the completion.
     */
    @Test
    void aWriterThatDiedBeforeRecordingItsEndLeavesNoStaleHash() throws Exception {
        byte[] sent = random(60_000);
        byte[] resumed = concat(slice(sent, 0, 20_000), random(40_000));
        String url = uploads.create(sent.length, Map.of());
        uploads.patch(url, 0, slice(sent, 0, 20_000));
        String id = url.substring(url.lastIndexOf('/') + 1);
        // The dead writer's last acts: its lock (its heartbeat long stale), and the hash of its bytes.
        assertThat(uploadStore.lock(id, "dead-writer", 20_000, Instant.EPOCH, Instant.EPOCH))
                .isTrue();
        db.write(() -> db.sql()
                .sql("UPDATE uploads SET sha256 = ? WHERE id = ?")
                .params(sha256(sent), id)
                .update());
        UploadStore.Completion notTheHolders = new UploadStore.Completion(sha256(sent), Ids.next("file"));
        assertThat(uploadStore.checkpoint(
                        id, "not-the-lock-holder", sent.length, notTheHolders, Instant.EPOCH, Instant.EPOCH))
                .isFalse();

        Api.Response last = uploads.patch(url, 20_000, slice(resumed, 20_000, resumed.length));

        assertThat(last.status()).as(last.toString()).isEqualTo(204);
        String file = "/api/v1/files/" + last.header("Kiln-File-Id").orElseThrow();
        assertThat(api.bytes(file + "/content", token)).isEqualTo(resumed);
        assertThat(api.get(file, token).json().get("sha256").asString()).isEqualTo(sha256(resumed));
    }

    /**
     * The bytes of an upload recorded whole were lost (its file cut short) or damaged (other bytes
     * in it): completing answers 409 {@code upload_lost} and the upload starts over from offset 0,
     * where before it failed with 500 on every retry. Sent again, it becomes the file it should be.
     */
    @ParameterizedTest
    @ValueSource(ints = {20_000, 60_000})
    void anUploadWhoseStoredBytesWereLostStartsOverFromZero(int bytesLeftOnDisk) throws Exception {
        byte[] sent = random(60_000);
        String url = uploads.create(sent.length, Map.of());
        uploads.patch(url, 0, slice(sent, 0, 20_000));
        String id = url.substring(url.lastIndexOf('/') + 1);
        // A writer recorded the last byte and its hash, then died; what its disk kept is not that.
        db.write(() -> db.sql()
                .sql("UPDATE uploads SET upload_offset = ?, sha256 = ?, file_id = ? WHERE id = ?")
                .params(sent.length, sha256(sent), Ids.next("file"), id)
                .update());
        Files.write(parts.path(id), concat(slice(sent, 0, 20_000), random(bytesLeftOnDisk - 20_000)));

        Api.Response lost = uploads.patch(url, sent.length, new byte[0]);

        expectProblem(lost, 409, "upload_lost");
        assertThat(lost.json().get("offset").asLong()).isZero();
        assertThat(uploads.head(url).header("Upload-Offset")).contains("0");
        Api.Response again = uploads.patch(url, 0, sent);
        assertThat(again.status()).as(again.toString()).isEqualTo(204);
        String file = "/api/v1/files/" + again.header("Kiln-File-Id").orElseThrow();
        assertThat(api.bytes(file + "/content", token)).isEqualTo(sent);
    }

    /**
     * The last byte is in, but the file store refuses the whole upload (503). A tus client resumes
     * with HEAD, and takes {@code Upload-Offset} equal to {@code Upload-Length} as done, sending
     * nothing more: that HEAD completes the upload, so it names the file, which holds the bytes.
     */
    @Test
    void aHeadAfterAFailedCompletionCompletesTheUpload() throws Exception {
        byte[] content = random(60_000);
        String url = uploads.create(content.length, Map.of());
        UploadStoreFaults.of(savedParts).refuseNextStore(url.substring(url.lastIndexOf('/') + 1));

        expectProblem(uploads.patch(url, 0, content), 503, "storage_unavailable");
        Api.Response head = uploads.head(url);

        assertThat(head.status()).as(head.toString()).isEqualTo(200);
        assertThat(head.header("Upload-Offset")).contains(Integer.toString(content.length));
        String fileId = head.header("Kiln-File-Id").orElseThrow();
        assertThat(api.bytes("/api/v1/files/" + fileId + "/content", token)).isEqualTo(content);
        assertThat(storedSha256(fileId)).isEqualTo(sha256(content));
        assertThat(uploads.head(url).header("Kiln-File-Id")).contains(fileId);
    }

    @Test
    void aPatchFromAnyOtherOffsetIsRefused() throws Exception {
        String url = uploads.create(1000, Map.of());
        uploads.patch(url, 0, random(100));

        Api.Response wrong = uploads.patch(url, 50, random(10));

        expectProblem(wrong, 409, "offset_mismatch");
        assertThat(wrong.json().get("offset").asLong()).isEqualTo(100);
        assertThat(uploads.head(url).header("Upload-Offset")).contains("100");
    }

    /**
     * Two PATCHes from offset 0 at once: the second read the upload before the first wrote, and
     * gets the lock only once the first has let go. It is refused, as tus asks, and the first's
     * acknowledged bytes stay (it used to cut them off and write its own from 0).
     */
    @Test
    void aPatchThatReadTheUploadBeforeAnotherWroteIsRefused() throws Exception {
        byte[] first = random(100);
        String url = uploads.create(1000, Map.of());
        String id = url.substring(url.lastIndexOf('/') + 1);
        Upload readBeforeTheFirstWrote = uploadStore.find(id).orElseThrow();
        assertThat(uploads.patch(url, 0, first).status()).isEqualTo(204);

        assertThatThrownBy(() -> writer.append(
                        readBeforeTheFirstWrote, 0, 50, null, new ByteArrayInputStream(random(50)), done -> done))
                .isInstanceOfSatisfying(ApiException.class, refused -> {
                    assertThat(refused.code()).isEqualTo(ErrorCode.OFFSET_MISMATCH);
                    assertThat(refused.properties()).containsEntry("offset", 100L);
                });

        assertThat(uploads.offset(url)).isEqualTo(100);
        byte[] rest = random(900);
        Api.Response last = uploads.patch(url, 100, rest);
        assertThat(last.status()).as(last.toString()).isEqualTo(204);
        String file = "/api/v1/files/" + last.header("Kiln-File-Id").orElseThrow();
        assertThat(api.bytes(file + "/content", token)).isEqualTo(concat(first, rest));
    }

    @Test
    void aChunkFailingItsChecksumIsNotKept() throws Exception {
        byte[] chunk = random(5000);
        String url = uploads.create(10_000, Map.of());

        Api.Response bad =
                uploads.patch(url, 0, chunk, "sha1 " + Base64.getEncoder().encodeToString(new byte[20]));
        expectProblem(bad, 460, "checksum_mismatch");
        assertThat(uploads.head(url).header("Upload-Offset")).contains("0");

        Api.Response good = uploads.patch(
                url,
                0,
                chunk,
                "sha256 "
                        + Base64.getEncoder()
                                .encodeToString(
                                        MessageDigest.getInstance("SHA-256").digest(chunk)));
        assertThat(good.status()).isEqualTo(204);
        assertThat(good.header("Upload-Offset")).contains("5000");
        expectProblem(uploads.patch(url, 5000, chunk, "crc32 AAAA"), 400, "invalid_field");
        expectProblem(uploads.patch(url, 5000, chunk, "sha1 not-base64!"), 400, "invalid_field");
    }

    @Test
    void limitsApplyBeforeAnyByte() {
        expectProblem(
                api.send(tus(api.request("/api/v1/uploads", token))
                        .header("Upload-Length", Long.toString(1024 * 1024 + 1))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build()),
                413,
                "file_too_large");
        uploads.create(1_000_000, Map.of());
        uploads.create(1_000_000, Map.of());
        Api.Response overQuota = api.send(tus(api.request("/api/v1/uploads", token))
                .header("Upload-Length", "100000")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        expectProblem(overQuota, 413, "quota_exceeded");
        assertThat(overQuota.json().get("quota").asLong()).isEqualTo(2 * 1024 * 1024);
    }

    @Test
    void aBodyLongerThanWhatIsLeftIsCutAndRefused() throws Exception {
        String url = uploads.create(1000, Map.of());
        uploads.patch(url, 0, random(600));

        expectProblem(uploads.patch(url, 600, random(500)), 413, "upload_overflow");
        // Without a Content-Length the server counts as it reads.
        Api.Response streamed = api.send(tus(api.request(url, token))
                .header("Upload-Offset", "600")
                .header("Content-Type", TusController.OFFSET_STREAM)
                .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(random(800))))
                .build());
        expectProblem(streamed, 413, "upload_overflow");
        assertThat(uploads.head(url).header("Upload-Offset")).contains("600");
    }

    @Test
    void aTerminatedUploadIsGone() {
        String url = uploads.create(1000, Map.of());
        uploads.patch(url, 0, random(10));

        Api.Response deleted = api.send(tus(api.request(url, token)).DELETE().build());

        assertThat(deleted.status()).isEqualTo(204);
        expectProblem(uploads.head(url), 404, null);
        expectProblem(uploads.patch(url, 10, random(10)), 404, "upload_not_found");
    }

    @Test
    void aSecondWriterIsLockedOutUntilTheFirstGoesStale() throws Exception {
        byte[] content = random(400_000);
        String url = uploads.create(content.length, Map.of());
        CountDownLatch release = new CountDownLatch(1);
        // The first writer sends 100 KB, then stalls like a dead connection.
        CompletableFuture<Api.Response> stalled =
                patchStalling(url, slice(content, 0, 100_000), slice(content, 100_000, 200_000), release);
        await().atMost(WAIT)
                .until(() -> uploads.head(url)
                                .header("Upload-Offset")
                                .map(Long::parseLong)
                                .orElse(0L)
                        > 0);
        long durable = Long.parseLong(uploads.head(url).header("Upload-Offset").orElseThrow());

        expectProblem(uploads.patch(url, durable, slice(content, (int) durable, content.length)), 423, "upload_locked");

        // After lock-stale-after (1 s in tests) with no progress, a new writer takes over.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
            long offset =
                    Long.parseLong(uploads.head(url).header("Upload-Offset").orElseThrow());
            return uploads.patch(url, offset, slice(content, (int) offset, content.length))
                            .status()
                    == 204;
        });
        release.countDown(); // the stale writer wakes up: it must not disturb the upload
        stalled.get();
        Api.Response done = uploads.head(url);
        assertThat(done.header("Kiln-File-Id")).isPresent();
        assertThat(api.get("/api/v1/files/" + done.header("Kiln-File-Id").orElseThrow(), token)
                        .json()
                        .get("sha256")
                        .asString())
                .isEqualTo(sha256(content));
    }

    /**
     * Tests run with one body copy thread (kiln-test.properties): while a stalled body holds it, other
     * uploads are copied on their own request threads instead of being refused or queued behind it.
     */
    @Test
    void anUploadBeyondTheCopyThreadsIsCopiedAllTheSame() throws Exception {
        byte[] stalledContent = random(300_000);
        String stalledUrl = uploads.create(stalledContent.length, Map.of());
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Api.Response> stalled = patchStalling(
                stalledUrl,
                slice(stalledContent, 0, 100_000),
                slice(stalledContent, 100_000, stalledContent.length),
                release);
        try {
            await().atMost(WAIT)
                    .until(() -> Long.parseLong(uploads.head(stalledUrl)
                                    .header("Upload-Offset")
                                    .orElseThrow())
                            > 0);
            byte[] content = random(500_000);
            String url = uploads.create(content.length, Map.of());
            assertThat(uploads.patch(url, 0, content).status()).isEqualTo(204);
            assertThat(storedSha256(uploads.head(url).header("Kiln-File-Id").orElseThrow()))
                    .isEqualTo(sha256(content));
            String text = "A direct upload goes through too.";
            assertThat(storedSha256(api.textFile(token, text)))
                    .isEqualTo(sha256(text.getBytes(StandardCharsets.UTF_8)));
        } finally {
            release.countDown();
        }
        assertThat(stalled.get(WAIT.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(204);
        assertThat(storedSha256(uploads.head(stalledUrl).header("Kiln-File-Id").orElseThrow()))
                .isEqualTo(sha256(stalledContent));
    }

    /** A PATCH from offset 0 that sends {@code first}, stalls like a dead connection until {@code release}, then sends {@code rest}. */
    private CompletableFuture<Api.Response> patchStalling(
            String url, byte[] first, byte[] rest, CountDownLatch release) {
        return CompletableFuture.supplyAsync(() -> api.send(tus(api.request(url, token))
                .header("Upload-Offset", "0")
                .header("Content-Type", TusController.OFFSET_STREAM)
                .method(
                        "PATCH",
                        HttpRequest.BodyPublishers.ofInputStream(() -> new StallingStream(first, rest, release)))
                .build()));
    }

    private String storedSha256(String fileId) {
        return api.get("/api/v1/files/" + fileId, token).json().get("sha256").asString();
    }

    @Test
    void malformedRequestsGetProblemsNeverServerErrors() {
        expectProblem(
                api.send(api.request("/api/v1/uploads", token)
                        .header("Upload-Length", "10")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build()),
                412,
                "unsupported_tus_version");
        expectProblem(uploads.post(Map.of("Upload-Length", "ten")), 400, "invalid_field");
        expectProblem(uploads.post(Map.of("Upload-Length", "-5")), 400, "invalid_field");
        expectProblem(uploads.post(Map.of()), 400, "invalid_field");
        expectProblem(uploads.post(Map.of("Upload-Length", "0")), 400, "empty_file");
        expectProblem(uploads.post(Map.of("Upload-Defer-Length", "1")), 400, "invalid_field");
        expectProblem(
                uploads.post(Map.of("Upload-Length", "10", "Upload-Metadata", "filename !!!")), 400, "invalid_field");
        expectProblem(
                uploads.post(Map.of("Upload-Length", "10", "Upload-Metadata", "a YQ==,a Yg==")), 400, "invalid_field");
        expectProblem(
                uploads.post(Map.of("Upload-Length", "10", "Upload-Metadata", "bad key YQ==")), 400, "invalid_field");
        expectProblem(
                uploads.post(Map.of("Upload-Length", "10", "Upload-Metadata", meta(Map.of("processor", "nope")))),
                400,
                "unknown_processor");
        expectProblem(
                uploads.post(Map.of(
                        "Upload-Length",
                        "10",
                        "Upload-Metadata",
                        meta(Map.of("processor", "test-echo", "params", "{\"partials\":\"x\"}")))),
                400,
                "invalid_params");
        expectProblem(
                uploads.post(Map.of(
                        "Upload-Length",
                        "10",
                        "Upload-Metadata",
                        meta(Map.of("processor", "test-echo", "params", "{not json")))),
                400,
                "invalid_field");
        expectProblem(
                uploads.post(Map.of(
                        "Upload-Length",
                        "10",
                        "Upload-Metadata",
                        meta(Map.of("processor", "test-echo", "priority", "50")))),
                400,
                "invalid_field");
        String url = uploads.create(100, Map.of());
        expectProblem(
                api.send(tus(api.request(url, token))
                        .header("Content-Type", TusController.OFFSET_STREAM)
                        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(new byte[5]))
                        .build()),
                400,
                "invalid_field");
        expectProblem(
                api.send(tus(api.request(url, token))
                        .header("Upload-Offset", "0")
                        .header("Content-Type", "text/plain")
                        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(new byte[5]))
                        .build()),
                415,
                "unsupported_content_type");
        expectProblem(
                api.send(tus(api.request(url, token))
                        .header("Upload-Offset", "zero")
                        .header("Content-Type", TusController.OFFSET_STREAM)
                        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(new byte[5]))
                        .build()),
                400,
                "invalid_field");
        expectProblem(uploads.head("/api/v1/uploads/upl_nope"), 404, null);
        expectProblem(
                api.send(tus(api.request("/api/v1/uploads/..%2F..%2Fetc%2Fpasswd", token))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build()),
                400,
                null);
        expectProblem(
                api.send(tus(api.request("/api/v1/uploads/%2e%2e/x", token))
                        .header("Upload-Offset", "0")
                        .header("Content-Type", TusController.OFFSET_STREAM)
                        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(new byte[1]))
                        .build()),
                400,
                "malformed_request");
    }

    @Test
    void anotherUsersUploadIsNotFound() {
        String url = uploads.create(100, Map.of());
        String stranger = api.newMember("stranger-" + UUID.randomUUID());

        expectProblem(
                api.send(tus(api.request(url, stranger))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build()),
                404,
                null);
        assertThat(api.send(tus(api.request(url, stranger))
                                .header("Upload-Offset", "0")
                                .header("Content-Type", TusController.OFFSET_STREAM)
                                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(new byte[5]))
                                .build())
                        .status())
                .isEqualTo(404);
        assertThat(api.send(tus(api.request(url, stranger)).DELETE().build()).status())
                .isEqualTo(404);
        assertThat(uploads.head(url).status()).isEqualTo(200);
        assertThat(api.send(tus(api.request("/api/v1/uploads", null))
                                .header("Upload-Length", "5")
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build())
                        .status())
                .isEqualTo(401);
    }

    @Test
    void oneStepUploadStartsItsJobOnceEvenWhenTheCompletionIsRetried() throws Exception {
        byte[] content = "one step, one job".getBytes(StandardCharsets.UTF_8);
        String url = uploads.create(
                content.length, Map.of("filename", "note.txt", "processor", "test-echo", "params", "{\"partials\":2}"));

        Api.Response done = uploads.patch(url, 0, content);
        Api.Response again = uploads.patch(url, content.length, new byte[0]);

        String jobId = done.header("Kiln-Job-Id").orElseThrow();
        assertThat(again.status()).isEqualTo(204);
        assertThat(again.header("Kiln-Job-Id")).contains(jobId);
        assertThat(again.header("Kiln-File-Id")).isEqualTo(done.header("Kiln-File-Id"));
        assertThat(uploads.head(url).header("Kiln-Job-Id")).contains(jobId);
        await().atMost(WAIT).until(() -> api.state(token, jobId).equals("succeeded"));
        assertThat(api.get("/api/v1/jobs", token).json().get("items")).hasSize(1);
        assertThat(api.job(token, jobId).get("input").get("fileId").asString())
                .isEqualTo(done.header("Kiln-File-Id").orElseThrow());
    }

    @Test
    void contentTheNamedProcessorCannotTakeIsRefusedWithWhatItAccepts() {
        byte[] content = "not audio at all".getBytes(StandardCharsets.UTF_8);
        String url = uploads.create(content.length, Map.of("processor", "test-wav"));

        Api.Response refused = uploads.patch(url, 0, content);

        expectProblem(refused, 415, "unsupported_media_type");
        assertThat(refused.json().get("mediaType").asString()).isEqualTo("text/plain");
        assertThat(refused.json().get("accepted").toString()).contains("audio/vnd.wave");
        expectProblem(uploads.head(url), 404, null);
        assertThat(api.get("/api/v1/jobs", token).json().get("items")).isEmpty();
    }

    @Test
    void aProcessorThatTakesNoFileIsRefusedBeforeAnyByte() {
        String processor = "nofile-" + UUID.randomUUID().toString().substring(0, 8);
        api.declare(api.newWorker("nofile-worker-" + UUID.randomUUID()), processor, "{\"accepts\":[\"none\"]}");

        Api.Response named =
                uploads.post(Map.of("Upload-Length", "10", "Upload-Metadata", meta(Map.of("processor", processor))));

        expectProblem(named, 400, "invalid_field");
        assertThat(named.json().get("detail").asString())
                .isEqualTo("Processor '" + processor + "' takes no input file; submit its job without one.");
    }

    // --- helpers ---

    /** The status, and unless {@code code} is null (HEAD answers have no body), a problem body with that code. */
    static void expectProblem(Api.Response response, int status, String code) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        if (code != null) {
            assertThat(response.body()).as(response.toString()).isNotEmpty();
            assertThat(response.code()).as(response.toString()).isEqualTo(code);
        }
    }

    private static byte[] slice(byte[] bytes, int from, int to) {
        return Arrays.copyOfRange(bytes, from, to);
    }
}
