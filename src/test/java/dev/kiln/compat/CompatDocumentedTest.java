package dev.kiln.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/compat.md lists every OpenAI error code the compatibility layer answers, with its status. */
class CompatDocumentedTest {

    @Test
    void everyCodeOfTheLayersOwnHasARowWithItsStatus() throws IOException {
        String doc = Files.readString(Path.of("docs/compat.md"));
        for (CompatFailure.Kind kind : CompatFailure.Kind.values()) {
            String code = OpenAiErrors.code(kind);
            if (code != null) {
                assertThat(doc)
                        .as(kind.name())
                        .contains("| `" + code + "` | "
                                + OpenAiErrors.status(kind).value() + " |");
            }
        }
    }
}
