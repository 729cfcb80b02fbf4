package dev.kiln.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The machine's {@code python3}, for tests of the Python SDK and the examples ({@code .ci/run} makes sure CI has one). */
public final class Python {

    private Python() {}

    /** Whether a Python 3.9+ is installed. */
    public static boolean available() {
        try {
            Process check = new ProcessBuilder(
                            "python3", "-c", "import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)")
                    .redirectErrorStream(true)
                    .start();
            return check.waitFor(30, TimeUnit.SECONDS) && check.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs {@code python3 -m unittest discover discoverArgs…} in {@code directory}: some tests ran, all passed. */
    public static void assertUnitTestsPass(Path directory, String... discoverArgs)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("kiln-python-unittest-", ".txt");
        List<String> command = new ArrayList<>(List.of("python3", "-m", "unittest", "discover"));
        command.addAll(List.of(discoverArgs));
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean ended = process.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            process.destroyForcibly();
        }
        String report = Files.readString(output, StandardCharsets.UTF_8);

        assertThat(ended).as(report).isTrue();
        assertThat(process.exitValue()).as(report).isZero();
        assertThat(report).containsPattern("Ran [1-9]\\d* tests");
    }
}
