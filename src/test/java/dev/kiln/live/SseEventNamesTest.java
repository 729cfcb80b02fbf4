package dev.kiln.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.events.EventKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every event kind has an SSE name of its own, none of EventSource's own, and docs/protocol.md lists it. */
class SseEventNamesTest {

    @Test
    void namesAreDistinctOutsideEventSourcesOwnAndDocumented() throws Exception {
        String protocol = Files.readString(Path.of("docs/protocol.md"));

        assertThat(Arrays.stream(EventKind.values()).map(SseStream::eventName))
                .doesNotHaveDuplicates()
                .doesNotContain("open", "error", "message");
        for (EventKind kind : EventKind.values()) {
            assertThat(protocol).contains("| `" + kind.wire() + "` | `" + SseStream.eventName(kind) + "` |");
        }
    }
}
