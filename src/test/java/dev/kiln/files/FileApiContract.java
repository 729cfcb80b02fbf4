package dev.kiln.files;

import static dev.kiln.testing.TestBytes.PNG;
import static dev.kiln.testing.TestBytes.concat;
import static dev.kiln.testing.TestBytes.opaque;
import static dev.kiln.testing.TestBytes.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.storage.BlobStore;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Simple uploads: streamed to the blob store, hashed, sniffed, size-limited (1 MB in tests). */
abstract class FileApiContract extends ApiTestBase {

    @Autowired
    BlobStore blobs;

    String token;

    @BeforeEach
    void setUp() {
        token = api.newMember("uploader-" + UUID.randomUUID());
    }

    @Test
    void rawUploadIsStoredHashedAndSniffed() throws Exception {
        byte[] content = opaque(200_000);

        Api.Response uploaded = api.upload(token, content, "..%2F..%2Fetc%2Frecording.bin");

        assertThat(uploaded.status()).isEqualTo(201);
        JsonNode file = uploaded.json();
        assertThat(file.get("size").asLong()).isEqualTo(content.length);
        assertThat(file.get("sha256").asString()).isEqualTo(sha256(content));
        assertThat(file.get("mediaType").asString()).isEqualTo("application/octet-stream");
        assertThat(file.get("name").asString()).isEqualTo("recording.bin");
        assertThat(uploaded.header("Location"))
                .contains("/api/v1/files/" + file.get("id").asString());
        assertThat(api.get("/api/v1/files/" + file.get("id").asString(), token)
                        .json()
                        .get("sha256")
                        .asString())
                .isEqualTo(sha256(content));
        try (InputStream stored = blobs.open(sha256(content))) {
            assertThat(stored.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void aSignedLinkServesTheContentWithRangesToAPlayerWithoutAToken() throws Exception {
        byte[] content = opaque(50_000);
        String id = api.upload(token, content, "take.bin").json().get("id").asString();

        Api.Response link = api.postEmpty("/api/v1/files/" + id + "/link", token);
        String href = link.json().get("href").asString();

        assertThat(link.status()).isEqualTo(200);
        assertThat(link.json().get("expiresAt").asString()).isNotBlank();
        Api.Response whole = api.get(href, null);
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.header("Content-Type").orElseThrow()).isEqualTo("application/octet-stream");
        assertThat(whole.header("Accept-Ranges")).contains("bytes");
        assertThat(whole.body().length()).isPositive();
        Api.Response range = api.send(
                api.request(href, null).header("Range", "bytes=100-199").GET().build());
        assertThat(range.status()).isEqualTo(206);
        assertThat(range.header("Content-Range")).contains("bytes 100-199/50000");

        Api.Response tampered = api.get(href.substring(0, href.length() - 1) + (href.endsWith("0") ? "1" : "0"), null);
        assertThat(tampered.status()).isEqualTo(403);
        assertThat(tampered.code()).isEqualTo("link_invalid");
        assertThat(api.get(href.replace("/" + id + "/", "/file_aaaaaaaaaaaaaaaaaaaaaaaaaa/"), null)
                        .code())
                .isEqualTo("link_invalid");
        assertThat(api.get("/api/v1/files/" + id + "/content", null).code())
                .as("no token, no signature")
                .isEqualTo("link_invalid");
        assertThat(api.get("/api/v1/files/" + id + "/content", token).status())
                .as("the owner's token")
                .isEqualTo(200);
        assertThat(api.get("/api/v1/files/" + id + "/content", api.newMember("other-" + UUID.randomUUID()))
                        .status())
                .isEqualTo(404);
        assertThat(api.postEmpty("/api/v1/files/" + id + "/link", api.newMember("stranger-" + UUID.randomUUID()))
                        .status())
                .isEqualTo(404);
    }

    @Test
    void uploadedHtmlIsNeverRenderedOnKilnsOrigin() {
        String id = api.upload(
                        token,
                        "<html><body><script>alert(document.cookie)</script></body></html>"
                                .getBytes(StandardCharsets.UTF_8),
                        "page.html")
                .json()
                .get("id")
                .asString();

        Api.Response content = api.get("/api/v1/files/" + id + "/content", token);

        assertThat(content.status()).isEqualTo(200);
        assertThat(content.header("Content-Disposition").orElseThrow())
                .startsWith("attachment;")
                .contains("page.html");
        assertThat(content.header("Content-Security-Policy").orElseThrow())
                .contains("sandbox")
                .contains("default-src 'none'");
        assertThat(content.header("X-Content-Type-Options")).contains("nosniff");
        String png = api.upload(token, PNG, "dot.png").json().get("id").asString();
        assertThat(api.get("/api/v1/files/" + png + "/content", token)
                        .header("Content-Disposition")
                        .orElseThrow())
                .startsWith("inline;");
    }

    @Test
    void theMediaTypeComesFromTheBytesNotTheClient() {
        Api.Response uploaded = api.send(api.request("/api/v1/files?name=notes.txt", token)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofByteArray(PNG))
                .build());

        assertThat(uploaded.json().get("mediaType").asString()).isEqualTo("image/png");
    }

    @Test
    void aFormEncodedBodyIsStillTheFile() {
        // What `curl --data-binary @file` sends when nobody sets a Content-Type.
        byte[] content = "a=1&b=2 is not a form, it is my file".getBytes(StandardCharsets.UTF_8);
        Api.Response uploaded = api.send(api.request("/api/v1/files?name=a.txt", token)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofByteArray(content))
                .build());

        assertThat(uploaded.status()).isEqualTo(201);
        assertThat(uploaded.json().get("size").asLong()).isEqualTo(content.length);
    }

    @Test
    void multipartUploadWorksToo() throws Exception {
        byte[] content = "multipart content".getBytes(StandardCharsets.UTF_8);
        String boundary = "kiln" + UUID.randomUUID();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../n.txt\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n";
        byte[] body = concat(
                head.getBytes(StandardCharsets.UTF_8),
                content,
                ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));

        Api.Response uploaded = api.send(api.request("/api/v1/files", token)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());

        assertThat(uploaded.status()).as(uploaded.toString()).isEqualTo(201);
        assertThat(uploaded.json().get("sha256").asString()).isEqualTo(sha256(content));
        assertThat(uploaded.json().get("name").asString()).isEqualTo("n.txt");
        assertThat(uploaded.json().get("mediaType").asString()).isEqualTo("text/plain");
    }

    @Test
    void tooLargeIsRefusedBeforeReadingWhenTheLengthIsKnown() {
        Api.Response refused = api.upload(token, new byte[1024 * 1024 + 1], "big.bin");

        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.code()).isEqualTo("file_too_large");
        assertThat(refused.json().get("maxSize").asLong()).isEqualTo(1024 * 1024);
    }

    @Test
    void tooLargeIsRefusedWhileStreamingWhenTheLengthIsUnknown() {
        byte[] content = opaque(1024 * 1024 + 10);
        Api.Response refused = api.send(api.request("/api/v1/files", token)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(content)))
                .build());

        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.code()).isEqualTo("file_too_large");
        assertThat(blobs.exists(sha256(content))).isFalse();
    }

    @Test
    void anEmptyBodyIsNotAFile() {
        Api.Response refused = api.upload(token, new byte[0], "empty.txt");

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.code()).isEqualTo("empty_file");
    }

    @Test
    void identicalContentIsStoredOnce() throws Exception {
        byte[] content = opaque(10_000);
        String other = api.newMember("other-" + UUID.randomUUID());

        JsonNode mine = api.upload(token, content, "a.bin").json();
        JsonNode theirs = api.upload(other, content, "b.bin").json();

        assertThat(mine.get("id").asString()).isNotEqualTo(theirs.get("id").asString());
        assertThat(mine.get("sha256").asString()).isEqualTo(theirs.get("sha256").asString());
        assertThat(blobs.exists(sha256(content))).isTrue();
        assertThat(api.get("/api/v1/files/" + mine.get("id").asString(), other).status())
                .isEqualTo(404);
    }
}
