package dev.kiln.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Kiln server in its own JVM, started from the test classpath (so test processors exist), to
 * be stopped the hard way ({@link #kill()}, SIGKILL) or the polite way ({@link #terminate()},
 * SIGTERM).
 */
public final class KilnProcess implements AutoCloseable {

    private static final Path LOGS = Path.of("target", "kiln-processes");

    private final Process process;
    private final List<String> command;
    private final int port;
    private final Path log;

    private KilnProcess(Process process, List<String> command, int port, Path log) {
        this.process = process;
        this.command = command;
        this.port = port;
        this.log = log;
    }

    /** Starts Kiln with {@code settings} (Spring property names) and waits until it serves. */
    public static KilnProcess start(String databaseUrl, Path home, Map<String, String> settings) {
        return start(databaseUrl, home, settings, List.of());
    }

    /** As {@link #start(String, Path, Map)}, with extra options for the JVM. */
    public static KilnProcess start(
            String databaseUrl, Path home, Map<String, String> settings, List<String> jvmOptions) {
        // A test's Kiln lives for seconds: C2 would spend more CPU compiling than it saves (a start
        // takes half the CPU without it), and on two cores that CPU is the suite's running time.
        StartCache.Launch launch = StartCache.launch(classpath());
        return startWith(
                databaseUrl,
                home,
                settings,
                launch.classpath(),
                concat(concat(launch.jvmOptions(), List.of("-XX:TieredStopAtLevel=1")), jvmOptions));
    }

    /** As {@link #start(String, Path, Map, List)}, but compiled as in production: for benchmarks. */
    public static KilnProcess measured(
            String databaseUrl, Path home, Map<String, String> settings, List<String> jvmOptions) {
        StartCache.Launch launch = StartCache.withoutCache(classpath());
        return startWith(databaseUrl, home, settings, launch.classpath(), concat(launch.jvmOptions(), jvmOptions));
    }

    private static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    static KilnProcess startWith(
            String databaseUrl, Path home, Map<String, String> settings, String classpath, List<String> jvmOptions) {
        int port = freePort();
        List<String> command = new ArrayList<>(
                List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-cp",
                classpath,
                "dev.kiln.KilnApplication",
                "--server.port=" + port,
                "--kiln.database.url=" + databaseUrl,
                "--kiln.home=" + home,
                "--kiln.admin.token=" + Api.ADMIN_TOKEN));
        settings.forEach((k, v) -> command.add("--" + k + "=" + v));
        return launch(List.copyOf(command), port);
    }

    /** SIGTERM, then the same Kiln (database, home, settings) started again on the same port: a redeploy. */
    public KilnProcess restart() {
        terminate();
        return launch(command, port);
    }

    /** SIGKILL, then the same Kiln started again on the same port: a crash and a supervisor's restart. */
    public KilnProcess crashAndRestart() {
        kill();
        return launch(command, port);
    }

    /** The same Kiln started again on the same port, once this one has died by itself (say, at a crash point). */
    public KilnProcess startAgain() {
        awaitExit();
        return launch(command, port);
    }

    /** How the process ended; fails while it runs. */
    public int exitCode() {
        return process.exitValue();
    }

    private static KilnProcess launch(List<String> command, int port) {
        try {
            // Beside the test reports, not in /tmp: kept for a failure's reading, gone with `mvn clean`.
            Path log = Files.createTempFile(Files.createDirectories(LOGS), "kiln-process-", ".log");
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            KilnProcess kiln = new KilnProcess(process, command, port, log);
            kiln.awaitReady(Duration.ofSeconds(90));
            return kiln;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Api api() {
        return new Api(port);
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no lease released; what a crash or OOM-kill looks like. */
    public void kill() {
        process.destroyForcibly();
        await(Duration.ofSeconds(30));
    }

    /** SIGTERM: Kiln's graceful shutdown runs. Returns how long the process took to exit. */
    public Duration terminate() {
        long start = System.nanoTime();
        signalTerm();
        awaitExit();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Sends SIGTERM (a real one: {@link Process#destroy()} on Unix) and returns at once, to watch the drain. */
    public void signalTerm() {
        process.destroy();
    }

    /** Waits (up to a minute) for the process to exit. */
    public void awaitExit() {
        await(Duration.ofSeconds(60));
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            await(Duration.ofSeconds(30));
        }
    }

    private void awaitReady(Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kiln exited during start-up:\n" + log());
            }
            try {
                if (api().get("/api/v1/processors", Api.ADMIN_TOKEN).status() == 200) {
                    return;
                }
            } catch (UncheckedIOException notYet) {
                // not listening yet
            }
            sleep(50);
        }
        close();
        throw new IllegalStateException("Kiln did not become ready within " + patience + ":\n" + log());
    }

    private void await(Duration patience) {
        try {
            if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("Kiln did not exit within " + patience + ":\n" + log());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /** A port nothing listens on now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
