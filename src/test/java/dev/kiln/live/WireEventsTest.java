package dev.kiln.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.events.EventKind;
import dev.kiln.events.JobEvent;
import dev.kiln.live.WireEvents.WireEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class WireEventsTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final WireEvents wireEvents = new WireEvents(json);

    @Test
    void anEventHandedToAThousandFollowersIsEncodedOnceForAll() {
        JobEvent event = partial(7, "{\"index\":7,\"text\":\"hello\"}");

        List<String> sent = new ArrayList<>();
        for (int follower = 0; follower < 1000; follower++) {
            WireEvent wire = wireEvents.of(event); // what each follower's deliver() does, on the hub's thread
            sent.add(wire.message()); // what each follower's drain sends, later
        }

        assertThat(wireEvents.encodings()).isEqualTo(1);
        assertThat(sent).allSatisfy(message -> assertThat(message).isSameAs(sent.getFirst()));
    }

    @Test
    void theNextEventIsEncodedAfreshAndAnEventReadFromTheLogForOneClientIsNotShared() {
        JobEvent first = partial(1, "{}");
        JobEvent second = partial(2, "{}");

        String one = wireEvents.of(first).message();
        String two = wireEvents.of(second).message();
        WireEvent replayed = wireEvents.once(second);

        assertThat(one).contains("\"seq\":1");
        assertThat(two).contains("\"seq\":2");
        assertThat(wireEvents.of(second)).isNotSameAs(replayed);
        assertThat(wireEvents.encodings()).isEqualTo(2);
    }

    @Test
    void theMessageIsTheEventsFieldsAfterItsTypeAsEachConnectionUsedToWriteIt() {
        JobEvent event = new JobEvent(
                "job_abc",
                "usr_owner",
                13,
                EventKind.PROGRESS,
                json.readTree("{\"progress\":0.42,\"stage\":\"transcribing\"}"),
                Instant.parse("2026-11-23T10:15:02.113Z"));

        ObjectNode written = json.createObjectNode().put("type", "event");
        written.setAll((ObjectNode) json.valueToTree(event));

        assertThat(wireEvents.of(event).message()).isEqualTo(json.writeValueAsString(written));
        assertThat(wireEvents.of(event).json())
                .isEqualTo(json.writeValueAsString(event))
                .doesNotContain("usr_owner");
    }

    @Test
    void halfACharacterInAProcessorsDataIsReplacedNotFatal() {
        JobEvent event = partial(3, "{\"text\":\"broken \\udfff\"}");

        assertThat(wireEvents.of(event).message()).contains("broken \uFFFD").doesNotContain("\udfff");
    }

    private JobEvent partial(long seq, String data) {
        return new JobEvent("job_abc", null, seq, EventKind.PARTIAL, json.readTree(data), Instant.EPOCH);
    }
}
