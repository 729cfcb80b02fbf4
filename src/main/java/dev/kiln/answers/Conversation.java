package dev.kiln.answers;

import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobState;
import dev.kiln.jobs.JobStore;
import dev.kiln.support.Ids;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The earlier turns of a conversation: a follow-up names the answer job it follows
 * ({@code conversation}), that one the one before, and so on. Only the owner's own succeeded
 * answers count; the chain is cut at {@link #MAX_TURNS}, the oldest dropped first.
 */
@Component
class Conversation {

    static final int MAX_TURNS = 6;

    /** One earlier question and the answer it got. */
    record Turn(String question, String answer) {}

    private final JobStore jobs;
    private final JsonMapper json;

    Conversation(JobStore jobs, JsonMapper json) {
        this.jobs = jobs;
        this.json = json;
    }

    /** Whether {@code jobId} is an answer of {@code ownerId}'s that a question may follow (any state but deleted). */
    boolean canFollow(String ownerId, String jobId) {
        // Not an id at all (a NUL in it would fail the query on PostgreSQL): follows nothing.
        return Ids.looksLike("job", jobId)
                && jobs.findById(jobId)
                        .filter(j -> j.ownerId().equals(ownerId) && j.type().equals(AnswerProcessor.NAME))
                        .isPresent();
    }

    /** The turns before a question that follows {@code previous} (null: none), oldest first. */
    List<Turn> before(String ownerId, String previous) {
        List<Turn> turns = new ArrayList<>();
        String at = previous;
        while (at != null && turns.size() < MAX_TURNS) {
            Optional<Job> job = jobs.findById(at)
                    .filter(j -> j.ownerId().equals(ownerId) && j.type().equals(AnswerProcessor.NAME));
            if (job.isEmpty()) {
                break;
            }
            if (job.get().state() == JobState.SUCCEEDED) {
                turn(at).ifPresent(turns::add);
            }
            JsonNode follows = job.get().params().path("conversation");
            at = follows.isString() ? follows.asString() : null;
        }
        Collections.reverse(turns);
        return turns;
    }

    private Optional<Turn> turn(String jobId) {
        return jobs.resultById(jobId)
                .map(json::readTree)
                .map(r -> new Turn(
                        r.path("question").asString(""), r.path("answer").asString("")));
    }
}
