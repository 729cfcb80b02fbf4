package dev.kiln.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * A client that stops sending in the middle of a body, its connection left open, is timed out
 * ({@code server.tomcat.connection-timeout}, here 1 s) and told its upload was interrupted, not that
 * its request is malformed.
 */
@TestPropertySource(
        properties = {
            "kiln.test.database=sqlite",
            "server.tomcat.connection-timeout=1s",
            "server.tomcat.keep-alive-timeout=60s"
        })
class StalledUploadTest extends ApiTestBase {

    @Test
    void aBodyThatStopsComingIsInterruptedWithTheTimeoutsStatus() {
        // Was 408 malformed_request "The HTTP request is malformed."
        String token = api.newMember("stalled-" + UUID.randomUUID());
        String boundary = "b" + UUID.randomUUID();
        byte[] start = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                        + "Content-Type: text/plain\r\n\r\n" + "x".repeat(10_000))
                .getBytes(StandardCharsets.UTF_8);
        for (String type : new String[] {"multipart/form-data; boundary=" + boundary, "application/octet-stream"}) {
            Api.Response stalled = new RawHttp(port)
                    .stalled(
                            "POST",
                            "/api/v1/files",
                            List.of("Authorization: Bearer " + token, "Content-Type: " + type),
                            100_000,
                            start);
            assertThat(stalled.status()).as(type + " " + stalled).isEqualTo(408);
            assertThat(stalled.code()).as(type + " " + stalled).isEqualTo("upload_interrupted");
            assertThat(stalled.json().get("detail").asString()).contains("did not come in time");
        }
        assertThat(api.get("/api/v1/files", token).json().get("items")).isEmpty();
    }
}
