package dev.kiln.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.events.EventKind;
import dev.kiln.events.JobEvent;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** A follow hands out each utterance once, however often the job runs (docs/compat.md, "Streaming"). */
class ResultWaitProgressTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ResultWait.Progress progress = new ResultWait.Progress();
    private final List<String> delivered = new ArrayList<>();
    private final ResultWait.Follower follower = new ResultWait.Follower() {
        @Override
        public void utterance(JsonNode utterance) {
            delivered.add(utterance.path("text").asString());
        }
    };
    private long seq;

    @Test
    void aReleasedJobRerunWithTheSameAttemptNumberRepeatsNothing() throws IOException {
        take(state("running", 1), partial("one"), partial("two"));
        // Released (its node shut down): queued again, the attempt not counted, then claimed again as attempt 1.
        take(state("queued", 0).put("reason", "released"), state("running", 1));
        take(partial("one"), partial("two"), partial("three"));

        assertThat(delivered).containsExactly("one", "two", "three"); // before: one, two, one, two, three
    }

    @Test
    void aCancelRequestedWhileRunningIsNoNewRun() throws IOException {
        take(state("running", 1), partial("one"), state("running", 1).put("cancelRequested", true));
        take(partial("two"));

        assertThat(delivered).containsExactly("one", "two");
    }

    /** State events as their data; partials as {@link #partial}. */
    private void take(ObjectNode... events) throws IOException {
        for (ObjectNode data : events) {
            EventKind kind = data.has("state") ? EventKind.STATE : EventKind.PARTIAL;
            progress.take(new JobEvent("job_x", "user_x", ++seq, kind, data, Instant.EPOCH), follower);
        }
    }

    private static ObjectNode state(String state, int attempt) {
        return NODES.objectNode().put("state", state).put("attempt", attempt);
    }

    private static ObjectNode partial(String text) {
        return NODES.objectNode().put("text", text);
    }
}
