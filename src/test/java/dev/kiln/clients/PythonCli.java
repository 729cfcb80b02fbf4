package dev.kiln.clients;

import static org.awaitility.Awaitility.await;

import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Python SDK in {@code clients/python} run as real processes ({@code python3 -m kiln …}, or a
 * script of its tests) against a Kiln, with {@code KILN_URL}, {@code KILN_TOKEN} and an upload
 * cache of its own; output goes to files, read while it runs or after it ends.
 */
final class PythonCli {

    static final Path SDK = Path.of("clients", "python").toAbsolutePath();
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    private final String url;
    private final String token;
    private final Path cache = TestDatabases.tempDir("kiln-python-cache-");

    PythonCli(int port, String token) {
        this.url = "http://localhost:" + port;
        this.token = token;
    }

    /** A finished run: its exit code and output. */
    record Result(int exit, String stdout, String stderr) {

        List<String> lines() {
            return stdout.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** A run in progress. */
    final class Running implements AutoCloseable {

        final Process process;
        private final Path stdout;
        private final Path stderr;

        private Running(Process process, Path stdout, Path stderr) {
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        String stdout() {
            return read(stdout);
        }

        String stderr() {
            return read(stderr);
        }

        /** Waits (on the output file) until stdout has {@code count} lines. */
        List<String> awaitLines(int count) {
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .failFast("the command ended", () -> !process.isAlive())
                    .until(() -> stdout().lines().count() >= count);
            return stdout().lines().toList();
        }

        /** Waits (on the output file) until stderr says {@code text}. */
        void awaitError(String text) {
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .failFast("the command ended before saying " + text, () -> {
                        if (!process.isAlive()) {
                            throw new AssertionError(stdout() + "\n" + stderr());
                        }
                    })
                    .until(() -> stderr().contains(text));
        }

        /** Ends it as a crash or a power cut would (SIGKILL), and waits until it has. */
        void kill() {
            try {
                process.destroyForcibly().waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        void write(String line) {
            try {
                process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
                process.getOutputStream().flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Result waitForExit() {
            try {
                if (!process.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("still running after " + PATIENCE + ":\n" + stdout() + "\n" + stderr());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return new Result(process.exitValue(), stdout(), stderr());
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /** {@code python3 -m kiln args…}, to its end. */
    Result run(String... args) {
        try (Running running = start(args)) {
            return running.waitForExit();
        }
    }

    /** {@code python3 -m kiln args…}, started. */
    Running start(String... args) {
        List<String> command = new ArrayList<>(List.of("python3", "-m", "kiln"));
        command.addAll(List.of(args));
        return launch(command);
    }

    /** {@code python3 script args…} with {@code script} relative to clients/python. */
    Running script(String script, String... args) {
        List<String> command =
                new ArrayList<>(List.of("python3", SDK.resolve(script).toString()));
        command.addAll(List.of(args));
        return launch(command);
    }

    /** {@code python3 -m kiln args…} under a pseudo-terminal (Python's pty module): what a person sees. */
    Result onTerminal(String... args) {
        List<String> command = new ArrayList<>(List.of(
                "python3",
                "-c",
                "import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))",
                "python3",
                "-m",
                "kiln"));
        command.addAll(List.of(args));
        try (Running running = launch(command)) {
            return running.waitForExit();
        }
    }

    private Running launch(List<String> command) {
        try {
            Path stdout = Files.createTempFile(cache, "stdout-", ".txt");
            Path stderr = Files.createTempFile(cache, "stderr-", ".txt");
            ProcessBuilder builder =
                    new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
            Map<String, String> env = builder.environment();
            env.put("PYTHONPATH", SDK.toString());
            env.put("PYTHONUNBUFFERED", "1");
            env.put("KILN_URL", url);
            env.put("KILN_TOKEN", token);
            env.put("KILN_CACHE", cache.toString());
            return new Running(builder.start(), stdout, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
