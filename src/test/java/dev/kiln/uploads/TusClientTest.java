package dev.kiln.uploads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.S3Server;
import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real tus client nobody here wrote — tus-js-client, run by Node — against a running Kiln:
 * cut off mid-upload and resumed from the server's offset, and resumed after Kiln was killed and
 * started again (on object storage: as another node, without the first one's disk). The stored
 * content must hash to the original.
 */
class TusClientTest {

    private static final int SIZE = 12 * 1024 * 1024;

    @Test
    void anUploadCutOffMidwayResumesFromTheServersOffset() throws Exception {
        Path file = randomFile();
        try (KilnProcess kiln = KilnProcess.start(
                TestDatabases.fresh(TestDatabases.Kind.SQLITE), TestDatabases.tempDir("kiln-tus-"), Map.of())) {
            JsonNode result = tusUpload(kiln, file, "--abort-after", Integer.toString(SIZE / 3));

            assertThat(result.get("resumedFrom").asLong())
                    .as("resumed from the bytes that got through")
                    .isEqualTo(SIZE / 3);
            assertStored(kiln.api(), result.get("fileId").asString(), file);
        }
    }

    @Test
    void aPartialUploadResumesAfterKilnIsKilledAndStartedAgain() throws Exception {
        Path home = TestDatabases.tempDir("kiln-tus-");
        killAndResume(Map.of(), home, home);
    }

    /** On object storage the bytes so far are in the bucket: the node that resumes needs no data directory of the first's. */
    @Test
    void onObjectStorageAPartialUploadResumesOnANodeWithoutTheFirstsDisk() throws Exception {
        try (S3Server server = S3Server.start(TestDatabases.tempDir("kiln-tus-s3-"), "kiln-tus")) {
            killAndResume(
                    server.kilnSettings(), TestDatabases.tempDir("kiln-tus-a-"), TestDatabases.tempDir("kiln-tus-b-"));
        }
    }

    private static void killAndResume(Map<String, String> settings, Path firstHome, Path secondHome) throws Exception {
        Path file = randomFile();
        String url = TestDatabases.fresh(TestDatabases.Kind.SQLITE);
        String uploadUrl;
        long offsetBeforeKill;
        try (KilnProcess first = KilnProcess.start(url, firstHome, settings)) {
            JsonNode cut = tusUpload(first, file, "--abort-after", Integer.toString(SIZE / 2), "--stop-after-abort");
            assertThat(cut.get("aborted").asBoolean()).isTrue();
            uploadUrl = cut.get("uploadUrl").asString();
            // The server learns of the cut when its read fails; until then HEAD shows the last checkpoint.
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(offset(first.api(), uploadUrl))
                            .as("the bytes that got through")
                            .isEqualTo(SIZE / 2));
            offsetBeforeKill = SIZE / 2;
            first.kill();
        }
        try (KilnProcess second = KilnProcess.start(url, secondHome, settings)) {
            String resumable = uploadUrl.replaceFirst("^https?://[^/]+", "");
            assertThat(offset(second.api(), resumable)).isEqualTo(offsetBeforeKill);

            JsonNode result = tusUpload(second, file, "--resume", "http://localhost:" + second.port() + resumable);

            assertThat(result.get("resumedFrom").asLong()).isEqualTo(offsetBeforeKill);
            assertStored(second.api(), result.get("fileId").asString(), file);
        }
    }

    private static JsonNode tusUpload(KilnProcess kiln, Path file, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "node",
                "tools/tus-upload.mjs",
                "--endpoint",
                "http://localhost:" + kiln.port() + "/api/v1/uploads",
                "--token",
                Api.ADMIN_TOKEN,
                "--file",
                file.toString()));
        command.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("TUS_TRACE", "1"); // each request on stderr, shown if the upload fails
        Process node = builder.directory(Path.of("web").toFile())
                .redirectErrorStream(false)
                .start();
        String out = new String(node.getInputStream().readAllBytes());
        String err = new String(node.getErrorStream().readAllBytes());
        assertThat(node.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue())
                .as("tus-js-client failed: " + err + "\nKiln:\n" + kiln.log())
                .isZero();
        return JsonMapper.builder().build().readTree(out.strip());
    }

    private static long offset(Api api, String uploadUrl) {
        Api.Response head = api.send(api.request(uploadUrl.replaceFirst("^https?://[^/]+", ""), Api.ADMIN_TOKEN)
                .header("Tus-Resumable", "1.0.0")
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build());
        assertThat(head.status()).as(head.toString()).isEqualTo(200);
        return Long.parseLong(head.header("Upload-Offset").orElseThrow());
    }

    private static void assertStored(Api api, String fileId, Path file) throws Exception {
        assertThat(fileId).isNotBlank();
        JsonNode stored = api.get("/api/v1/files/" + fileId, Api.ADMIN_TOKEN).json();
        assertThat(stored.get("sha256").asString()).isEqualTo(sha256(file));
        assertThat(stored.get("size").asLong()).isEqualTo(SIZE);
    }

    private static Path randomFile() throws IOException {
        Path file = Files.createTempFile("kiln-tus-", ".bin");
        file.toFile().deleteOnExit();
        byte[] block = new byte[1024 * 1024];
        Random random = new Random(SIZE);
        try (var out = Files.newOutputStream(file)) {
            for (int i = 0; i < SIZE / block.length; i++) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        return file;
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) != -1) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
