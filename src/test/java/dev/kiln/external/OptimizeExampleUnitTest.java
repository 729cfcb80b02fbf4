package dev.kiln.external;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.Python;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The lineup optimiser example's unit tests ({@code examples/optimize/test_optimize.py}), so that {@code ./mvnw verify} runs them. */
class OptimizeExampleUnitTest {

    @Test
    void theExamplesUnitTestsPass() throws Exception {
        assumeTrue(Python.available(), "python3 (3.9+) is installed (.ci/run installs it)");
        Python.assertUnitTestsPass(Path.of("examples", "optimize").toAbsolutePath(), "-s", ".");
    }
}
