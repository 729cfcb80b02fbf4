package dev.kiln.uploads;

import static dev.kiln.testing.TestBytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.kiln.testing.ApiTestBase;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.test.context.TestPropertySource;

/**
 * A client that goes away in the middle of a tus PATCH (a dropped connection, a closed laptop, nginx
 * passing on a client's abort) is ordinary: its bytes so far are kept, and no ERROR with a stack
 * trace is logged for it.
 */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class CutUploadLogTest extends ApiTestBase {

    private final Logger errorPage = (Logger) LoggerFactory.getLogger("dev.kiln.api.ErrorPageProblems");
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private Level level;

    @BeforeEach
    void listen() {
        level = errorPage.getLevel();
        errorPage.setLevel(Level.DEBUG);
        logged.start();
        errorPage.addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        errorPage.detachAppender(logged);
        errorPage.setLevel(level);
    }

    @Test
    void aPatchCutByItsClientKeepsItsBytesAndLogsNoError() throws Exception {
        String token = api.newMember("cut-" + UUID.randomUUID());
        TusRequests uploads = new TusRequests(api, token);
        byte[] content = random(400_000);
        String url = uploads.create(content.length, Map.of());
        String path = url.substring(url.indexOf("/api/"));

        try (Socket socket = new Socket("localhost", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("PATCH " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nAuthorization: Bearer "
                            + token + "\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
                            + "Upload-Offset: 0\r\nContent-Length: " + content.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(content, 0, 100_000);
            out.flush();
        }

        await().atMost(Duration.ofSeconds(15))
                .until(() ->
                        uploads.head(url).header("Upload-Offset").orElse("").equals("100000"));
        await().atMost(Duration.ofSeconds(15))
                .until(() -> logged.list.stream()
                        .anyMatch(e -> e.getFormattedMessage().contains(path)));
        assertThat(logged.list.getFirst().getFormattedMessage()).contains("PATCH " + path);
        assertThat(logged.list)
                .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .isEmpty();
    }
}
