package dev.kiln.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/protocol.md lists every close code the server sends, with the same reconnect advice. */
class CloseCodesDocumentedTest {

    @Test
    void everyCloseCodeIsDocumentedWithItsReconnectAdvice() throws IOException {
        String doc = Files.readString(Path.of("docs/protocol.md"));
        for (CloseCode code : CloseCode.values()) {
            assertThat(doc)
                    .as(code.name())
                    .contains("| " + code.code + " | " + (code.reconnect ? "reconnect" : "do not") + " |");
        }
    }
}
