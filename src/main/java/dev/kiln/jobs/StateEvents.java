package dev.kiln.jobs;

import dev.kiln.events.EventKind;
import dev.kiln.events.JobEvent;
import java.time.Instant;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The {@code state} events every state change appends. */
final class StateEvents {

    private StateEvents() {
    }

    static ObjectNode data(JobState state, int attempt) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("state", state.wire());
        data.put("attempt", attempt);
        return data;
    }

    static JobEvent event(String jobId, String owner, long seq, ObjectNode data, long now) {
        return new JobEvent(jobId, owner, seq, EventKind.STATE, data, Instant.ofEpochMilli(now));
    }
}
