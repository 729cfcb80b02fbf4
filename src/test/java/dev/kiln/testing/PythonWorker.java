package dev.kiln.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A Python worker process (the SDK in clients/python, standard library only) running a script (from
 * src/test/resources/python, or an example) against a Kiln: its stdout lines are kept for the test to
 * wait on, its stderr for the test's messages.
 */
public final class PythonWorker implements AutoCloseable {

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final StringBuilder errors = new StringBuilder();

    private PythonWorker(Process process) {
        this.process = process;
        Thread.ofVirtual()
                .start(() -> read(
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
                        true));
        Thread.ofVirtual()
                .start(() -> read(
                        new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
                        false));
    }

    /** Starts {@code script} (in src/test/resources/python) with {@code KILN_URL}, {@code KILN_TOKEN} and {@code env}. */
    public static PythonWorker start(String script, String url, String token, Map<String, String> env) {
        return start(Path.of("src/test/resources/python", script), List.of(), url, token, env);
    }

    /** Starts the Python program {@code program} (relative to the project) with {@code args}, as above. */
    public static PythonWorker start(
            Path program, List<String> args, String url, String token, Map<String, String> env) {
        List<String> command = new ArrayList<>(List.of("python3", program.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment()
                .put("PYTHONPATH", Path.of("clients/python").toAbsolutePath().toString());
        builder.environment().put("PYTHONUNBUFFERED", "1");
        builder.environment().put("KILN_URL", url);
        builder.environment().put("KILN_TOKEN", token);
        builder.environment().putAll(env);
        try {
            return new PythonWorker(builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("could not start python3", e);
        }
    }

    private void read(BufferedReader reader, boolean out) {
        try (reader) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (out) {
                    lines.add(line);
                } else {
                    synchronized (errors) {
                        errors.append(line).append('\n');
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /** Waits for a printed line that {@code matches}, and returns it. */
    public String await(Predicate<String> matches, Duration patience) {
        return Awaitility.await()
                .atMost(patience)
                .pollInterval(Duration.ofMillis(5))
                .until(() -> lines.stream().filter(matches).findFirst().orElse(null), line -> line != null);
    }

    public boolean printed(Predicate<String> matches) {
        return lines.stream().anyMatch(matches);
    }

    /** kill -9: no goodbye, no release. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public boolean alive() {
        return process.isAlive();
    }

    public String log() {
        synchronized (errors) {
            return errors.toString();
        }
    }

    /** SIGTERM, and how long the worker took to exit (its graceful stop). */
    public java.time.Duration terminate() throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            kill();
        }
        return java.time.Duration.ofNanos(System.nanoTime() - start);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: the worker releases what it holds
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
