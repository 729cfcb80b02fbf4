package dev.kiln.jobs;

import dev.kiln.events.EventKind;
import dev.kiln.events.JobEvent;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The events the arrows of the state machine append, numbered back from the seq their UPDATE returned. */
final class StateEvents {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StateEvents() {}

    static ObjectNode data(JobState state, int attempt) {
        ObjectNode data = NODES.objectNode();
        data.put("state", state.wire());
        data.put("attempt", attempt);
        return data;
    }

    /** {@code {state, attempt, reason}}: why a job is queued (again). */
    static ObjectNode queued(int attempt, String reason) {
        return data(JobState.QUEUED, attempt).put("reason", reason);
    }

    static JobEvent state(Moved job, long seq, ObjectNode data, Instant at) {
        return new JobEvent(job.id(), job.ownerId(), seq, EventKind.STATE, data, at);
    }

    static JobEvent state(String jobId, String ownerId, long seq, ObjectNode data, Instant at) {
        return new JobEvent(jobId, ownerId, seq, EventKind.STATE, data, at);
    }

    static JobEvent of(Moved job, long seq, EventKind kind, JsonNode data, Instant at) {
        return new JobEvent(job.id(), job.ownerId(), seq, kind, data, at);
    }

    /** A job that took {@code source}'s result: its {@code result} event (if there is one), then {@code succeeded}. */
    static List<JobEvent> reused(Moved job, Reuse.Source source, Instant at) {
        ObjectNode state = data(JobState.SUCCEEDED, 0).put("reusedFrom", source.jobId());
        if (source.resultSize() == null) {
            return List.of(state(job, 1, state, at));
        }
        return List.of(
                of(job, 1, EventKind.RESULT, result(job.id(), source.resultSize()), at), state(job, 2, state, at));
    }

    /** {@code {code, message, retryable, attempt}} of a failed attempt. */
    static ObjectNode error(JobError error, int attempt) {
        return NODES.objectNode()
                .put("code", error.code())
                .put("message", error.message())
                .put("retryable", error.retryable())
                .put("attempt", attempt);
    }

    /** {@code {progress, stage, eta?}}. */
    static ObjectNode progress(double fraction, String stage, Long etaAt) {
        ObjectNode data = NODES.objectNode().put("progress", fraction).put("stage", stage);
        if (etaAt != null) {
            data.put("eta", Instant.ofEpochMilli(etaAt).toString());
        }
        return data;
    }

    /** {@code {href, size}} of a stored result. */
    static ObjectNode result(String jobId, long size) {
        return NODES.objectNode().put("href", Job.resultHref(jobId)).put("size", size);
    }
}
