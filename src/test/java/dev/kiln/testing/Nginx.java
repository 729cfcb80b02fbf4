package dev.kiln.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx as a process of a test: its own prefix, configuration, logs and temporary files
 * in the test's directory, listening on ports the test chose, never the system's service. Stopped
 * with SIGTERM (nginx's fast shutdown, which cuts every connection), workers included.
 */
public final class Nginx implements AutoCloseable {

    public static final Path EXECUTABLE = Path.of("/usr/sbin/nginx");
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    private final Path dir;
    private final int port;
    private Process process;

    private Nginx(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Skips the test on a machine without nginx; CI installs it (.ci/run). */
    public static void assumeInstalled() {
        assumeTrue(Files.isExecutable(EXECUTABLE), "Debian's nginx is installed (.ci/run installs it)");
    }

    /**
     * Starts nginx with {@code <dir>/site.conf} (written before: what goes inside {@code http {}}),
     * after {@code httpDirectives}, and waits until 127.0.0.1:{@code port} takes connections.
     * Relative paths in the site (includes, certificates) are relative to {@code dir}, as they are
     * to /etc/nginx in a real installation.
     */
    public static Nginx start(Path dir, String httpDirectives, int port) throws IOException {
        String temp = dir.resolve("temp").toString();
        // As root, nginx's workers would run as nobody and could not read the test's directory.
        String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
        Files.writeString(
                dir.resolve("nginx.conf"),
                user + "daemon off;\n"
                        + "worker_processes 1;\n"
                        + "pid " + dir.resolve("nginx.pid") + ";\n"
                        + "error_log " + dir.resolve("error.log") + " info;\n"
                        + "events { worker_connections 1024; }\n"
                        + "http {\n"
                        + "    log_format upstream '$remote_addr \"$request\" $status $upstream_addr';\n"
                        + "    access_log " + dir.resolve("access.log") + " upstream;\n"
                        + "    client_body_temp_path " + temp + "/client_body;\n"
                        + "    proxy_temp_path " + temp + "/proxy;\n"
                        + "    fastcgi_temp_path " + temp + "/fastcgi;\n"
                        + "    uwsgi_temp_path " + temp + "/uwsgi;\n"
                        + "    scgi_temp_path " + temp + "/scgi;\n"
                        + "    " + httpDirectives + "\n"
                        + "    include site.conf;\n"
                        + "}\n");
        Files.createDirectories(dir.resolve("temp"));
        Nginx nginx = new Nginx(dir, port);
        nginx.startAgain();
        return nginx;
    }

    /** Starts it again (after {@link #stop()}) with the configuration as it now is on disk. */
    public void startAgain() throws IOException {
        Path conf = dir.resolve("nginx.conf");
        process = new ProcessBuilder(
                        EXECUTABLE.toString(),
                        "-p",
                        dir.toString(),
                        "-c",
                        conf.toString(),
                        "-e",
                        dir.resolve("error.log").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("stdout.log").toFile()))
                .start();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("nginx did not start:\n" + log("stdout.log") + log("error.log"));
            }
            pause();
        }
    }

    /** SIGTERM: nginx's fast shutdown, every connection cut at once (as a crash or a restart would). */
    public void stop() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> workers = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Workers outlive a master that had to be killed: they are ours, end them too.
        workers.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        process = null;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public int port() {
        return port;
    }

    /** One line per request so far: client address, request line, status, the upstream(s) that served it. */
    public String accessLog() {
        return log("access.log");
    }

    /** nginx's error log so far, for a failing test's message. */
    public String errorLog() {
        return log("error.log");
    }

    @Override
    public void close() {
        stop();
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private String log(String name) {
        try {
            Path file = dir.resolve(name);
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
