package dev.kiln.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.api.ErrorCode;
import dev.kiln.processors.JobErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/errors.md documents every problem code with its status, and nothing that does not exist; the
 * web app tells the failures of the input as the server does.
 */
class ErrorsDocumentedTest {

    @Test
    void everyCodeHasARowWithItsStatus() throws IOException {
        String doc = Files.readString(Path.of("docs/errors.md"));
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(doc)
                    .as(code.code())
                    .contains("| `" + code.code() + "` | " + code.status().value() + " |");
        }
    }

    @Test
    void noRowDocumentsACodeThatDoesNotExist() throws IOException {
        String apiSection = Files.readString(Path.of("docs/errors.md")).split("## Job error codes")[0];
        apiSection
                .lines()
                .filter(line -> line.matches("\\| `[a-z_]+` \\| \\d{3} \\|.*"))
                .map(line -> line.substring(3, line.indexOf('`', 3)))
                .forEach(code -> assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::code))
                        .as(code)
                        .contains(code));
    }

    @Test
    void everyJobErrorCodeHasARowSayingWhetherItIsRetried() throws IOException {
        String jobSection = Files.readString(Path.of("docs/errors.md")).split("## Job error codes")[1];
        for (JobErrorCode code : JobErrorCode.values()) {
            assertThat(jobSection)
                    .as(code.code())
                    .contains("| `" + code.code() + "` | " + (code.retryable() ? "yes" : "no") + " |");
        }
        jobSection
                .lines()
                .filter(line -> line.matches("\\| `[a-z_]+` \\| (yes|no) \\|.*"))
                .map(line -> line.substring(3, line.indexOf('`', 3)))
                .forEach(code -> assertThat(Arrays.stream(JobErrorCode.values()).map(JobErrorCode::code))
                        .as(code)
                        .contains(code));
    }

    /** A batch's Retry failed in the web app says how many jobs the server's batch retry takes: the same codes. */
    @Test
    void theWebAppTellsFailuresOfTheInputAsTheServerDoes() throws IOException {
        String errors = Files.readString(Path.of("web/src/app/errors.ts"));
        String list = errors.substring(errors.indexOf("FAILURES_OF_THE_INPUT = new Set(["));
        List<String> web = Pattern.compile("'([a-z_]+)'")
                .matcher(list.substring(0, list.indexOf("]")))
                .results()
                .map(match -> match.group(1))
                .toList();
        assertThat(web)
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(JobErrorCode.values())
                        .map(JobErrorCode::code)
                        .filter(JobErrorCode::isFailureOfTheInput)
                        .toList());
    }
}
