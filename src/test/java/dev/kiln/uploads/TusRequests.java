package dev.kiln.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** A tus client in a few lines, for one user: raw requests, so tests can also send wrong ones. */
public final class TusRequests {

    private final Api api;
    private final String token;

    public TusRequests(Api api, String token) {
        this.api = api;
        this.token = token;
    }

    /** Creates an upload and returns its path. */
    public String create(long length, Map<String, String> metadata) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Upload-Length", Long.toString(length));
        if (!metadata.isEmpty()) {
            headers.put("Upload-Metadata", meta(metadata));
        }
        Api.Response created = post(headers);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.header("Tus-Resumable")).contains("1.0.0");
        return path(created);
    }

    public Api.Response post(Map<String, String> headers) {
        HttpRequest.Builder request = tus(api.request("/api/v1/uploads", token));
        headers.forEach(request::header);
        return api.send(request.POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    public Api.Response head(String url) {
        return api.send(tus(api.request(url, token))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build());
    }

    public Api.Response patch(String url, long offset, byte[] bytes) {
        return patch(url, offset, bytes, null);
    }

    /** A PATCH of {@code length} bytes streamed from {@code body}, as a client sends a large file. */
    public Api.Response patch(String url, long offset, InputStream body, long length) {
        return api.send(tus(api.request(url, token))
                .timeout(Duration.ofMinutes(5))
                .header("Upload-Offset", Long.toString(offset))
                .header("Content-Type", TusController.OFFSET_STREAM)
                .method(
                        "PATCH",
                        HttpRequest.BodyPublishers.fromPublisher(
                                HttpRequest.BodyPublishers.ofInputStream(() -> body), length))
                .build());
    }

    /** Where the upload stands ({@code Upload-Offset} of a HEAD). */
    public long offset(String url) {
        Api.Response head = head(url);
        assertThat(head.status()).as(head.toString()).isEqualTo(200);
        return Long.parseLong(head.header("Upload-Offset").orElseThrow());
    }

    Api.Response patch(String url, long offset, byte[] bytes, String checksum) {
        HttpRequest.Builder request = tus(api.request(url, token))
                .header("Upload-Offset", Long.toString(offset))
                .header("Content-Type", TusController.OFFSET_STREAM);
        if (checksum != null) {
            request.header("Upload-Checksum", checksum);
        }
        return api.send(request.method("PATCH", HttpRequest.BodyPublishers.ofByteArray(bytes))
                .build());
    }

    static HttpRequest.Builder tus(HttpRequest.Builder request) {
        return request.header("Tus-Resumable", "1.0.0");
    }

    static String path(Api.Response created) {
        return created.header("Location").orElseThrow().replaceFirst("^https?://[^/]+", "");
    }

    public static String meta(Map<String, String> values) {
        return String.join(
                ",",
                values.entrySet().stream()
                        .map(e -> e.getKey() + " "
                                + Base64.getEncoder()
                                        .encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8)))
                        .toList());
    }
}
