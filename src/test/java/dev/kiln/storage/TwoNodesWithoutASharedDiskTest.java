package dev.kiln.storage;

import static dev.kiln.testing.TestBytes.PNG;
import static dev.kiln.testing.TestBytes.concat;
import static dev.kiln.testing.TestBytes.random;
import static dev.kiln.testing.TestBytes.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.S3Server;
import dev.kiln.testing.StallingStream;
import dev.kiln.testing.TestDatabases;
import dev.kiln.uploads.TusRequests;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Two Kiln processes on one PostgreSQL, each with a data directory of its own, sharing only an
 * S3-compatible bucket (S3Mock): an upload's node is killed mid-body, the client resumes on the
 * other from the offset saved in the bucket, the upload's job runs there, and the first node, back,
 * serves the file it never received.
 */
class TwoNodesWithoutASharedDiskTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int MIB = 1 << 20;

    @Test
    void anUploadCutOffByANodesDeathIsResumedOnTheOtherFromTheBucket() throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        Path serverDir = TestDatabases.tempDir("kiln-s3-nodes-");
        try (S3Server server = S3Server.start(serverDir, "kiln-nodes")) {
            Map<String, String> settings = new HashMap<>(server.kilnSettings());
            settings.put("kiln.uploads.checkpoint-every", "1MB");
            settings.put("kiln.uploads.lock-stale-after", "1s");
            byte[] content = concat(PNG, random(5 * MIB));
            try (KilnProcess a = KilnProcess.start(url, TestDatabases.tempDir("kiln-node-a-"), settings);
                    KilnProcess b = KilnProcess.start(url, TestDatabases.tempDir("kiln-node-b-"), settings)) {
                String member = a.api().newMember("traveller");
                TusRequests onA = new TusRequests(a.api(), member);
                TusRequests onB = new TusRequests(b.api(), member);
                String upload = onA.create(
                        content.length,
                        Map.of("filename", "picture.png", "processor", "test-echo", "params", "{\"partials\":0}"));

                // A receives 2.5 MiB and then hears nothing more (the client stalls), and dies.
                CountDownLatch never = new CountDownLatch(1);
                int sent = 2 * MIB + MIB / 2;
                CompletableFuture<Api.Response> cut = CompletableFuture.supplyAsync(() -> onA.patch(
                        upload,
                        0,
                        new StallingStream(
                                Arrays.copyOfRange(content, 0, sent),
                                Arrays.copyOfRange(content, sent, content.length),
                                never),
                        content.length));
                await().atMost(WAIT).until(() -> onB.offset(upload) >= 2 * MIB);
                a.kill();
                never.countDown();
                assertThat(cut).failsWithin(WAIT);

                long offset = onB.offset(upload);
                assertThat(offset)
                        .as("a checkpoint saved in the bucket, not the half megabyte after it")
                        .isBetween(2L * MIB, 2L * MIB + MIB / 2 - 1);
                Api.Response last = await().atMost(WAIT)
                        .until(
                                () -> onB.patch(
                                        upload, offset, Arrays.copyOfRange(content, (int) offset, content.length)),
                                r -> r.status() != 423); // until A's lock goes stale
                assertThat(last.status()).as(last + "\nB:\n" + b.log()).isEqualTo(204);
                String fileId = last.header("Kiln-File-Id").orElseThrow();
                String job = last.header("Kiln-Job-Id").orElseThrow();
                await().atMost(WAIT).until(() -> b.api().state(member, job).equals("succeeded"));
                assertThat(b.api()
                                .get("/api/v1/jobs/" + job + "/result", member)
                                .json()
                                .get("sha256")
                                .asString())
                        .isEqualTo(sha256(content));
                assertRangesGone(server, upload);

                try (KilnProcess aAgain = a.startAgain()) {
                    byte[] download = aAgain.api().bytes("/api/v1/files/" + fileId + "/content", member);
                    assertThat(sha256(download)).isEqualTo(sha256(content));
                }
            }
        }
    }

    /** Completed, the upload's saved ranges are gone from the bucket. */
    private static void assertRangesGone(S3Server server, String upload) throws IOException {
        Path scratch = TestDatabases.tempDir("kiln-ranges-");
        try (S3BlobStore store = S3BlobStoreTest.storeOn(
                        S3BlobStoreTest.settingsFor(server.endpoint(), server.bucket()), scratch.resolve("cache"));
                FileChannel channel = FileChannel.open(
                        scratch.resolve("probe"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            String id = upload.substring(upload.lastIndexOf('/') + 1);
            assertThatThrownBy(() -> store.uploadParts().restore(id, channel, 0, 1))
                    .hasMessageContaining("do not reach");
        }
    }
}
