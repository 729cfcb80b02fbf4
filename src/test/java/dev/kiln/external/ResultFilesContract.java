package dev.kiln.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.jobs.ResultFiles;
import dev.kiln.testing.Api;
import dev.kiln.testing.Api.Response;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.TestBytes;
import dev.kiln.testing.WorkerCast;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Result files over real HTTP (docs/workers.md, "Result files"), on each database: a worker uploads
 * under its lease, the job's owner lists and downloads them; a lost lease, a bad name, a file too
 * large or too many change nothing. Tests run with kiln.result-files.max-size=256KB, max-per-job=3
 * and a 2MB quota.
 */
abstract class ResultFilesContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Autowired
    ResultFiles resultFiles;

    private String worker;
    private String member;
    private String processor;

    @BeforeEach
    void worker() {
        WorkerCast cast = WorkerCast.declare(
                api, "render", "{\"accepts\": [\"none\"], \"limits\": {\"maxAttempts\": 3, \"concurrency\": 4}}");
        worker = cast.worker();
        member = cast.member();
        processor = cast.processor();
    }

    @Test
    void anUploadedFileIsListedAndDownloadedWholeOrInRanges() throws Exception {
        String job = submit();
        String lease = claim().get("lease").asString();
        byte[] content = TestBytes.random(100_000);
        Response put = upload(job, "frames.bin", lease, "application/x-frames; v=2", content);
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.json().get("sha256").asString()).isEqualTo(TestBytes.sha256(content));
        assertThat(put.json().get("size").asLong()).isEqualTo(content.length);
        // Listed while the attempt runs; replaced, not added, when sent again under the same name.
        byte[] first = "first version".getBytes();
        assertThat(upload(job, "notes.txt", lease, "text/plain", first).status())
                .isEqualTo(200);
        byte[] notes = "second version\n".getBytes();
        assertThat(upload(job, "notes.txt", lease, "text/plain", notes).status())
                .isEqualTo(200);
        assertThat(files(member, job))
                .extracting(f -> f.get("name").asString())
                .containsExactly("frames.bin", "notes.txt");
        assertThat(complete(job, lease).status()).isEqualTo(200);

        JsonNode listed = files(member, job).get(0);
        assertThat(listed.get("mediaType").asString()).isEqualTo("application/x-frames;v=2");
        assertThat(listed.get("url").asString()).isEqualTo("/api/v1/jobs/" + job + "/files/frames.bin");
        assertThat(listed.get("attempt").asInt()).isEqualTo(1);

        HttpResponse<byte[]> whole = download(member, listed.get("url").asString(), null);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(TestBytes.sha256(whole.body())).isEqualTo(TestBytes.sha256(content));
        assertThat(whole.headers().firstValue("Content-Type")).hasValue("application/x-frames;v=2");
        assertThat(whole.headers().firstValue("Content-Disposition").orElseThrow())
                .startsWith("attachment");
        HttpResponse<byte[]> part = download(member, listed.get("url").asString(), "bytes=1000-1999");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(content, 1000, 2000));
        assertThat(download(member, listed.get("url").asString(), "bytes=200000-")
                        .statusCode())
                .isEqualTo(416);
        assertThat(new String(download(Api.ADMIN_TOKEN, "/api/v1/jobs/" + job + "/files/notes.txt", null)
                        .body()))
                .isEqualTo("second version\n");

        JsonNode audited = api.get("/api/v1/admin/audit?action=result.downloaded&limit=500", Api.ADMIN_TOKEN)
                .json()
                .get("items")
                .valueStream()
                .filter(e -> e.get("target").get("id").asString().equals(job))
                .findFirst()
                .orElseThrow();
        assertThat(audited.get("detail").get("file").asString()).isIn("frames.bin", "notes.txt");
    }

    @Test
    void onlyTheOwnerAndAdminsSeeTheFilesAndAWorkerTokenOnlyUploads() {
        String job = submit();
        String lease = claim().get("lease").asString();
        assertThat(upload(job, "out.txt", lease, "text/plain", "x".getBytes()).status())
                .isEqualTo(200);
        complete(job, lease);
        String stranger = api.newMember("stranger-" + UUID.randomUUID());
        assertThat(api.get("/api/v1/jobs/" + job + "/files", stranger).code()).isEqualTo("job_not_found");
        assertThat(api.get("/api/v1/jobs/" + job + "/files/out.txt", stranger).code())
                .isEqualTo("job_not_found");
        assertThat(api.get("/api/v1/jobs/" + job + "/files/other.txt", member).code())
                .isEqualTo("file_not_found");
        assertThat(api.get("/api/v1/jobs/" + job + "/files/out.txt", worker).status())
                .isEqualTo(403);
        assertThat(api.get("/api/v1/jobs/" + job + "/files", Api.ADMIN_TOKEN)
                        .json()
                        .get("items"))
                .hasSize(1);
        assertThat(upload(job, "more.txt", member, lease, "text/plain", "x".getBytes())
                        .status())
                .isEqualTo(403);
    }

    @Test
    void aWrongOrLostLeaseStoresNothing() {
        String job = submit();
        String lease = claim().get("lease").asString();
        Response wrong = upload(job, "a.txt", "not-the-lease", "text/plain", "a".getBytes());
        assertThat(wrong.status()).isEqualTo(409);
        assertThat(wrong.code()).isEqualTo("lease_lost");
        assertThat(upload(job, "early.txt", lease, "text/plain", "attempt one".getBytes())
                        .status())
                .isEqualTo(200);

        // The lease lapses and the job is rescued: the stale worker's next upload lands nowhere, and
        // what its attempt uploaded is not the job's.
        await().atMost(WAIT).until(() -> !api.state(member, job).equals("running"));
        assertThat(files(member, job)).isEmpty();
        Response late = upload(job, "late.txt", lease, "text/plain", "late".getBytes());
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.code()).isEqualTo("lease_lost");
        JsonNode second = claim();
        assertThat(second.get("attempt").asInt()).isEqualTo(2);
        String heir = second.get("lease").asString();
        assertThat(upload(job, "late.txt", lease, "text/plain", "still late".getBytes())
                        .code())
                .isEqualTo("lease_lost");
        assertThat(upload(job, "final.txt", heir, "text/plain", "attempt two".getBytes())
                        .status())
                .isEqualTo(200);
        assertThat(complete(job, heir).status()).isEqualTo(200);
        assertThat(files(member, job)).extracting(f -> f.get("name").asString()).containsExactly("final.txt");
        assertThat(api.get("/api/v1/jobs/" + job + "/files/early.txt", member).code())
                .isEqualTo("file_not_found");
    }

    @Test
    void aFailedAttemptsFilesAreNotTheJobsAndTheNextAttemptsAre() {
        String job = submit();
        String lease = claim().get("lease").asString();
        assertThat(upload(job, "partial.bin", lease, "application/octet-stream", TestBytes.random(1000))
                        .status())
                .isEqualTo(200);
        Response failed = api.post(
                "/api/v1/worker/jobs/" + job + "/fail",
                worker,
                "{\"lease\":\"" + lease + "\",\"code\":\"gpu_oom\",\"message\":\"out of memory\"}");
        assertThat(failed.json().get("state").asString()).isEqualTo("retry_scheduled");
        assertThat(files(member, job)).isEmpty();
        resultFiles.sweep(); // its count is not asserted: the background sweep may have run already
        String again = claim().get("lease").asString();
        assertThat(upload(job, "whole.bin", again, "application/octet-stream", TestBytes.random(10))
                        .status())
                .isEqualTo(200);
        assertThat(complete(job, again).status()).isEqualTo(200);
        assertThat(files(member, job)).extracting(f -> f.get("name").asString()).containsExactly("whole.bin");
        resultFiles.sweep();
        assertThat(files(member, job)).as("a succeeded attempt's files stay").hasSize(1);
    }

    @Test
    void aReleasedAttemptsFilesAreNotTheNextAttemptsEvenUnderTheSameNumber() {
        String job = submit();
        String lease = claim().get("lease").asString();
        assertThat(upload(job, "draft.txt", lease, "text/plain", "draft".getBytes())
                        .status())
                .isEqualTo(200);
        assertThat(api.post("/api/v1/worker/jobs/" + job + "/release", worker, "{\"lease\":\"" + lease + "\"}")
                        .status())
                .isEqualTo(200);
        assertThat(files(member, job)).isEmpty();
        JsonNode again = claim();
        assertThat(again.get("attempt").asInt()).as("a release does not count").isEqualTo(1);
        assertThat(files(member, job))
                .as("the running attempt has uploaded nothing yet")
                .isEmpty();
        assertThat(complete(job, again.get("lease").asString()).status()).isEqualTo(200);
        assertThat(files(member, job)).isEmpty();
    }

    @Test
    void badNamesTypesAndSizesAreRefusedByCode() throws Exception {
        String job = submit();
        String lease = claim().get("lease").asString();
        for (String name : List.of(".hidden", "a%2Fb", "..", "x".repeat(129), "sp%20ace", "-dash")) {
            Response bad = upload(job, name, lease, "text/plain", "x".getBytes());
            assertThat(bad.status()).as(name + ": " + bad).isEqualTo(400);
            assertThat(bad.header("Content-Type").orElse("")).startsWith("application/problem+json");
        }
        assertThat(upload(job, "ok.txt", lease, "text/*", "x".getBytes()).code())
                .isEqualTo("invalid_field");
        assertThat(upload(job, "ok.txt", lease, "not a type", "x".getBytes()).code())
                .isEqualTo("invalid_field");
        Response noLease = api.send(api.request("/api/v1/worker/jobs/" + job + "/files/ok.txt", worker)
                .PUT(HttpRequest.BodyPublishers.ofString("x"))
                .build());
        assertThat(noLease.code()).isEqualTo("invalid_field");
        assertThat(noLease.json().get("field").asString()).isEqualTo("Kiln-Lease");

        // Too large, declared (refused before reading) or streamed without a length (refused at the limit).
        Response declared = upload(job, "big.bin", lease, "application/octet-stream", new byte[256 * 1024 + 1]);
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.code()).isEqualTo("file_too_large");
        assertThat(declared.json().get("maxSize").asLong()).isEqualTo(256 * 1024);
        Response streamed = api.send(api.request("/api/v1/worker/jobs/" + job + "/files/big.bin", worker)
                .header("Kiln-Lease", lease)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(TestBytes.random(300 * 1024))))
                .build());
        assertThat(streamed.code()).isEqualTo("file_too_large");
        // A form-encoded body is a file like any other (Spring does not read it as form fields).
        Response form = upload(job, "form.txt", lease, "application/x-www-form-urlencoded", "a=1&b=2".getBytes());
        assertThat(form.status()).as(form.toString()).isEqualTo(200);
        assertThat(form.json().get("size").asLong()).isEqualTo(7);

        assertThat(upload(job, "two.txt", lease, "text/plain", "2".getBytes()).status())
                .isEqualTo(200);
        assertThat(upload(job, "three.txt", lease, "text/plain", "3".getBytes()).status())
                .isEqualTo(200);
        Response tooMany = upload(job, "four.txt", lease, "text/plain", "4".getBytes());
        assertThat(tooMany.status()).isEqualTo(409);
        assertThat(tooMany.code()).isEqualTo("too_many_files");
        assertThat(tooMany.json().get("max").asInt()).isEqualTo(3);
        assertThat(upload(job, "two.txt", lease, "text/plain", "2 again".getBytes())
                        .status())
                .as("replacing one is no new file")
                .isEqualTo(200);
        assertThat(files(member, job))
                .extracting(f -> f.get("name").asString())
                .containsExactly("form.txt", "three.txt", "two.txt");
        assertThat(upload("job_unknown", "a.txt", lease, "text/plain", "x".getBytes())
                        .code())
                .isEqualTo("job_not_found");
    }

    @Test
    void resultFilesCountInTheOwnersQuota() {
        byte[] file = TestBytes.random(250 * 1024);
        int stored = 0;
        Response refused = null;
        // 2MB of quota, three 250 KB files per job: the ninth file does not fit.
        for (int j = 0; j < 3 && refused == null; j++) {
            String job = submit();
            String lease = claim().get("lease").asString();
            for (int i = 0; i < 3; i++) {
                Response put = upload(job, "part-" + i, lease, "application/octet-stream", file);
                if (put.status() != 200) {
                    refused = put;
                    break;
                }
                stored++;
            }
        }
        assertThat(stored).isEqualTo(8);
        assertThat(refused.code()).isEqualTo("quota_exceeded");
        assertThat(refused.json().get("used").asLong()).isEqualTo(8L * file.length);
    }

    @Test
    void aJobWithResultFilesIsNoSourceForReuse() {
        api.declare(
                worker, processor, "{\"accepts\": [\"none\"], \"reusable\": true, \"limits\": {\"concurrency\": 4}}");
        String withFiles = submit();
        String lease = claim().get("lease").asString();
        assertThat(upload(withFiles, "frames.bin", lease, "application/octet-stream", TestBytes.random(1000))
                        .status())
                .isEqualTo(200);
        assertThat(complete(withFiles, lease).status()).isEqualTo(200);

        // Its files would not come along, so the same submission runs again instead of reusing it...
        String second = submit();
        assertThat(api.get("/api/v1/jobs/" + second, member).json().get("state").asString())
                .isEqualTo("queued");
        assertThat(complete(second, claim().get("lease").asString()).status()).isEqualTo(200);
        // ...while a job without files is reused as usual.
        String third = submit();
        JsonNode reused = api.get("/api/v1/jobs/" + third, member).json();
        assertThat(reused.get("state").asString()).isEqualTo("succeeded");
        assertThat(reused.get("reusedFrom").asString()).isEqualTo(second);
    }

    private String submit() {
        Response submitted = api.post("/api/v1/jobs", member, "{\"type\":\"" + processor + "\"}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        return submitted.json().get("id").asString();
    }

    private JsonNode claim() {
        Response claimed = api.post(
                "/api/v1/worker/claim",
                worker,
                "{\"worker\":\"test/1\",\"processors\":[\"" + processor + "\"],\"waitSeconds\":10}");
        assertThat(claimed.status()).as(claimed.toString()).isEqualTo(200);
        assertThat(claimed.json().get("jobs")).hasSize(1);
        return claimed.json().get("jobs").get(0);
    }

    private Response complete(String job, String lease) {
        return api.post("/api/v1/worker/jobs/" + job + "/complete", worker, "{\"lease\":\"" + lease + "\"}");
    }

    private Response upload(String job, String name, String lease, String mediaType, byte[] content) {
        return upload(job, name, worker, lease, mediaType, content);
    }

    private Response upload(String job, String name, String token, String lease, String mediaType, byte[] content) {
        return api.send(api.request("/api/v1/worker/jobs/" + job + "/files/" + name, token)
                .header("Kiln-Lease", lease)
                .header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                .build());
    }

    private List<JsonNode> files(String token, String job) {
        Response listed = api.get("/api/v1/jobs/" + job + "/files", token);
        assertThat(listed.status()).as(listed.toString()).isEqualTo(200);
        return listed.json().get("items").valueStream().toList();
    }

    private HttpResponse<byte[]> download(String token, String path, String range) {
        HttpRequest.Builder request = api.request(path, token).GET();
        if (range != null) {
            request.header("Range", range);
        }
        return api.sendForBytes(request.build());
    }
}
