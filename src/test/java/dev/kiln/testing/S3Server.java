package dev.kiln.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * Adobe's S3Mock, a real S3-compatible server, as a process of a test: its own JVM (it is a Spring
 * Boot 3 application and cannot share Kiln's class path, which the build resolves into
 * {@code target/s3mock.classpath}), its objects under the test's directory, on a port of its own.
 * {@link #stop()} kills it as a crash would; {@link #startAgain()} brings it back with its objects.
 */
public final class S3Server implements AutoCloseable {

    private static final Path CLASS_PATH = Path.of("target", "s3mock.classpath");
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private final Path dir;
    private final String bucket;
    private final int port;
    private Process process;

    private S3Server(Path dir, String bucket, int port) {
        this.dir = dir;
        this.bucket = bucket;
        this.port = port;
    }

    /** Starts S3Mock with an empty {@code bucket}, its objects and log under {@code dir}, and waits until it answers. */
    public static S3Server start(Path dir, String bucket) throws IOException {
        S3Server server = new S3Server(dir, bucket, freePort());
        server.startAgain();
        return server;
    }

    public void startAgain() throws IOException {
        if (!Files.exists(CLASS_PATH)) {
            throw new IllegalStateException(
                    CLASS_PATH.toAbsolutePath()
                            + " is missing: the build's s3mock-classpath step writes it (./mvnw test-compile, without -DskipTests)");
        }
        // S3Mock leaves a temporary file behind for some requests: keep them in its own directory.
        Files.createDirectories(dir.resolve("tmp"));
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(List.of(
                        java,
                        "-Xmx256m",
                        "-XX:TieredStopAtLevel=1",
                        "-Djava.io.tmpdir=" + dir.resolve("tmp"),
                        "-cp",
                        Files.readString(CLASS_PATH).strip(),
                        "com.adobe.testing.s3mock.S3MockApplication",
                        "--com.adobe.testing.s3mock.httpPort=" + port,
                        "--server.port=0",
                        "--com.adobe.testing.s3mock.store.initial-buckets=" + bucket,
                        "--com.adobe.testing.s3mock.store.root=" + dir.resolve("objects"),
                        "--com.adobe.testing.s3mock.store.retain-files-on-exit=true"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("s3mock.log").toFile()))
                .start();
        Process started = process;
        try {
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(100))
                    .failFast("S3Mock exited", () -> !started.isAlive())
                    .until(this::listening);
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            stop();
            throw new IllegalStateException("S3Mock did not start:\n" + log(), e);
        }
    }

    /** Killed, as a crash or a lost server would be: connections cut, nothing flushed. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** The server's process id (for its CPU time), or -1 while stopped. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public String bucket() {
        return bucket;
    }

    /** What points a Kiln at this server: endpoint, bucket, path-style addresses, keys (S3Mock takes any). */
    public Map<String, String> kilnSettings() {
        return Map.of(
                "kiln.storage.s3.endpoint", endpoint().toString(),
                "kiln.storage.s3.bucket", bucket,
                "kiln.storage.s3.path-style", "true",
                "kiln.storage.s3.access-key", "test-key",
                "kiln.storage.s3.secret-key", "test-secret");
    }

    /** S3Mock's output so far, for a failing test's message. */
    public String log() {
        try {
            Path file = dir.resolve("s3mock.log");
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Answers S3 (its port opens before the application is ready). */
    private boolean listening() {
        try (HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build()) {
            return http.send(
                                    HttpRequest.newBuilder(endpoint().resolve("/" + bucket))
                                            .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
