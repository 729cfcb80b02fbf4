package dev.kiln.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A browser test script under web/e2e, run with Node (playwright-core driving Debian's
 * /usr/bin/chromium) against a Kiln the calling test started: its output, line by line, and its
 * exit code. A script may ask the test for something (a restart) by printing a line; the test's
 * answer, if any, goes back on the script's stdin.
 */
public record BrowserScript(String output, int exitCode) {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    /** Skips the calling test unless Debian's chromium is installed. */
    public static void assumeChromium() {
        assumeTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is installed (.ci/run installs it)");
    }

    /**
     * Runs {@code web/e2e/<script>} against {@code kiln} as its admin ({@code --base}, {@code --token}
     * and {@code --shots} for target/screenshots, then {@code args}), prints its output, and fails
     * with that output and Kiln's log unless the script exits 0.
     */
    public static BrowserScript mustPass(KilnProcess kiln, String script, Duration limit, String... args)
            throws IOException, InterruptedException {
        return mustPass(() -> kiln, script, limit, List.of(args), line -> null);
    }

    /**
     * As {@link #mustPass(KilnProcess, String, Duration, String...)} for a script that asks the test
     * for things ({@code onLine}, see {@link #run}); {@code kiln} is the Kiln running now (the
     * script may have had it restarted on the same port), whose log a failure shows.
     */
    public static BrowserScript mustPass(
            Supplier<KilnProcess> kiln,
            String script,
            Duration limit,
            List<String> args,
            Function<String, String> onLine)
            throws IOException, InterruptedException {
        return mustPass(kiln, script, limit, args, Map.of(), onLine);
    }

    /**
     * As above, with {@code environment} added to the script's (e.g. {@code NODE_EXTRA_CA_CERTS}
     * for a test's own certificate); a {@code --base} or {@code --token} in {@code args} wins.
     */
    public static BrowserScript mustPass(
            Supplier<KilnProcess> kiln,
            String script,
            Duration limit,
            List<String> args,
            Map<String, String> environment,
            Function<String, String> onLine)
            throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(
                "--base",
                "http://localhost:" + kiln.get().port(),
                "--token",
                Api.ADMIN_TOKEN,
                "--shots",
                Path.of("target/screenshots").toAbsolutePath().toString()));
        all.addAll(args);
        BrowserScript run = run(script, all, environment, limit, onLine);
        System.out.println(run.output());
        assertThat(run.exitCode())
                .as("web/e2e/" + script + " failed:\n" + run.output() + "\nKiln:\n"
                        + kiln.get().log())
                .isZero();
        return run;
    }

    /**
     * Runs {@code web/e2e/<script>} with {@code args}, killed after {@code limit} so it never hangs
     * the build. {@code onLine} sees each line; what it answers (null for nothing) is written back.
     */
    private static BrowserScript run(
            String script,
            List<String> args,
            Map<String, String> environment,
            Duration limit,
            Function<String, String> onLine)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", "e2e/" + script));
        command.addAll(args);
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(Path.of("web").toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process node = builder.start();
        CompletableFuture.delayedExecutor(limit.toMillis(), TimeUnit.MILLISECONDS)
                .execute(node::destroyForcibly);
        StringBuilder output = new StringBuilder();
        // If the test's answer fails (Kiln did not come back), the script must not wait on for it.
        try (BufferedReader lines =
                        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                Writer toNode = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.append(line).append('\n');
                String answer = onLine.apply(line);
                if (answer != null) {
                    toNode.write(answer + "\n");
                    toNode.flush();
                }
            }
        } catch (RuntimeException | IOException e) {
            node.destroyForcibly();
            throw e;
        }
        if (!node.waitFor(1, TimeUnit.MINUTES)) {
            node.destroyForcibly();
            return new BrowserScript(output.toString(), -1);
        }
        return new BrowserScript(output.toString(), node.exitValue());
    }
}
