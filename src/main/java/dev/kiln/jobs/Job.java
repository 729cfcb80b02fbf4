package dev.kiln.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * A job's snapshot. {@code seq} is the last event folded into it: load the snapshot, then
 * follow the event log after {@code seq}, and nothing is missed or seen twice. {@code reusedFrom}:
 * the job whose result this one took instead of running (docs/architecture.md, "Reusing results").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
    "id",
    "type",
    "state",
    "cancelRequested",
    "stage",
    "progress",
    "eta",
    "seq",
    "attempt",
    "maxAttempts",
    "priority",
    "queuePosition",
    "createdAt",
    "startedAt",
    "finishedAt",
    "retryAt",
    "error",
    "result",
    "reusedFrom",
    "input",
    "params"
})
public record Job(
        String id,
        @JsonIgnore String ownerId,
        String type,
        @JsonIgnore String inputFileId,
        JsonNode params,
        int priority,
        @JsonIgnore JobState state,
        @JsonIgnore Instant cancelRequestedAt,
        String stage,
        double progress,
        long seq,
        int attempt,
        int maxAttempts,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        @JsonIgnore Instant runAfter,
        JobError error,
        @JsonIgnore Long resultSize,
        @JsonIgnore Instant etaAt,
        Long queuePosition,
        @JsonIgnore Input inputFile,
        String reusedFrom) {

    /**
     * The input file; besides its id, where the snapshot was read for a client's list or page,
     * its name, type and what a processor measured of it (duration in seconds, or pages).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Input(String fileId, String name, String mediaType, Double duration, Integer pages) {

        public Input(String fileId) {
            this(fileId, null, null, null, null);
        }
    }

    /**
     * The snapshot with its place in the queue (1 = next to be claimed for its type). Advisory: it
     * changes without events, so it is only given where a single job is read.
     */
    Job withQueuePosition(Long position) {
        return copy(position, inputFile);
    }

    /** The snapshot with its input file's details. */
    Job withInput(Input input) {
        return copy(queuePosition, input);
    }

    private Job copy(Long position, Input input) {
        return new Job(
                id,
                ownerId,
                type,
                inputFileId,
                params,
                priority,
                state,
                cancelRequestedAt,
                stage,
                progress,
                seq,
                attempt,
                maxAttempts,
                createdAt,
                startedAt,
                finishedAt,
                runAfter,
                error,
                resultSize,
                etaAt,
                position,
                input,
                reusedFrom);
    }

    public record ResultRef(String href, long size) {}

    @JsonProperty("state")
    public String stateName() {
        return state.wire();
    }

    @JsonProperty("cancelRequested")
    public boolean cancelRequested() {
        return cancelRequestedAt != null;
    }

    /** When a running job's processor expects to finish (its latest estimate). */
    @JsonProperty("eta")
    public Instant eta() {
        return state == JobState.RUNNING ? etaAt : null;
    }

    /** When a job waiting out its backoff becomes claimable again. */
    @JsonProperty("retryAt")
    public Instant retryAt() {
        return state == JobState.RETRY_SCHEDULED ? runAfter : null;
    }

    @JsonProperty("input")
    public Input input() {
        if (inputFileId == null) {
            return null;
        }
        return inputFile != null ? inputFile : new Input(inputFileId);
    }

    @JsonProperty("result")
    public ResultRef result() {
        return resultSize == null ? null : new ResultRef(resultHref(id), resultSize);
    }

    static String resultHref(String id) {
        return "/api/v1/jobs/" + id + "/result";
    }
}
