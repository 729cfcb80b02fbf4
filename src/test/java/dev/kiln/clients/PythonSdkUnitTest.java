package dev.kiln.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Python SDK's own unit tests ({@code clients/python/tests}, unittest), so that {@code ./mvnw verify} runs them. */
class PythonSdkUnitTest {

    @Test
    void thePythonUnitTestsPass() throws Exception {
        assumeTrue(PythonCli.available(), "python3 (3.9+) is installed (.ci/run installs it)");
        Path output = Files.createTempFile("kiln-python-unittest-", ".txt");
        Process process = new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", "tests", "-t", ".")
                .directory(PythonCli.SDK.toFile())
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
