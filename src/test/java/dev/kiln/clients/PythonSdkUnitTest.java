package dev.kiln.clients;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.Python;
import org.junit.jupiter.api.Test;

/** The Python SDK's own unit tests ({@code clients/python/tests}, unittest), so that {@code ./mvnw verify} runs them. */
class PythonSdkUnitTest {

    @Test
    void thePythonUnitTestsPass() throws Exception {
        assumeTrue(Python.available(), "python3 (3.9+) is installed (.ci/run installs it)");
        Python.assertUnitTestsPass(PythonCli.SDK, "-s", "tests", "-t", ".");
    }
}
