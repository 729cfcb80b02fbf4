package dev.kiln.webhooks;

import dev.kiln.jobs.JobState;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** What a webhook is told of: a job's end, one type per final state. The wire form is stable. */
enum EventType {
    JOB_SUCCEEDED("job.succeeded", JobState.SUCCEEDED),
    JOB_FAILED("job.failed", JobState.FAILED),
    JOB_CANCELLED("job.cancelled", JobState.CANCELLED);

    private final String wire;
    private final JobState state;

    EventType(String wire, JobState state) {
        this.wire = wire;
        this.state = state;
    }

    String wire() {
        return wire;
    }

    static List<String> wires() {
        return Arrays.stream(values()).map(EventType::wire).toList();
    }

    static Optional<EventType> fromWire(String wire) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(wire)).findFirst();
    }

    static EventType of(JobState ended) {
        return Arrays.stream(values())
                .filter(t -> t.state == ended)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(ended + " is not a final state"));
    }
}
