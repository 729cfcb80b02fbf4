package dev.kiln.limits;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.db.LockSpace;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;
import org.springframework.stereotype.Component;

/**
 * The limits on submitting jobs: how many one user may submit per window, and how many of theirs
 * may wait at once. (How many may run at once is not a refusal: the claim leaves the rest queued.)
 */
@Component
public class SubmissionLimits {

    /** A hint only: when some of the waiting jobs may have run. */
    private static final Duration QUEUED_RETRY_AFTER = Duration.ofSeconds(30);

    /** An owner's waiting jobs, and the jobs their unfinished one-step uploads will start. */
    private static final String WAITING = """
            SELECT (SELECT count(*) FROM jobs WHERE owner_id = :owner AND state IN ('queued', 'retry_scheduled'))
                 + (SELECT count(*) FROM uploads
                    WHERE owner_id = :owner AND job_request IS NOT NULL AND completed_at IS NULL AND expires_at > :now)""";

    private final RateLimiter limiter;
    private final RateLimit submissions;
    private final int maxQueued;
    private final Database db;
    private final Clock clock;

    SubmissionLimits(RateLimiter limiter, LimitSettings settings, Database db, Clock clock) {
        this.clock = clock;
        this.limiter = limiter;
        this.submissions = settings.submissionLimit();
        this.maxQueued = settings.maxQueuedJobs();
        this.db = db;
    }

    /** Counts one submission of {@code user}'s. @throws ApiException {@code rate_limited} (429) past the limit */
    public void takeSubmission(User user) {
        if (submissions.off()) {
            return;
        }
        RateDecision decision = limiter.take(submissions, user.id());
        if (decision != null && !decision.allowed()) {
            throw RateLimiter.exceeded(decision);
        }
    }

    /** Un-counts a submission that made no new job (a replay, or refused later on). */
    public void giveBackSubmission(User user) {
        if (!submissions.off()) {
            limiter.giveBack(submissions, user.id());
        }
    }

    /**
     * Checks that one more of {@code ownerId}'s jobs may wait. In a write transaction that then adds
     * the job, the count holds until it commits: submissions of one owner take turns on every node.
     *
     * @throws ApiException {@code too_many_queued_jobs} (429) when as many as allowed are waiting
     */
    public void checkQueued(String ownerId) {
        checkQueued(ownerId, 1);
    }

    /**
     * As {@link #checkQueued(String)} for {@code adding} jobs at once (a batch): all of them must find
     * room, or none is stored.
     */
    public void checkQueued(String ownerId, int adding) {
        if (adding > 0) {
            checkQueued(ownerId, () -> adding);
        }
    }

    /**
     * As {@link #checkQueued(String, int)} for as many jobs as {@code adding} says once the owner's
     * submissions take turns (in the caller's write transaction): a set read then holds until it
     * commits. Not asked when there is no limit.
     */
    public void checkQueued(String ownerId, IntSupplier adding) {
        if (maxQueued <= 0) {
            return;
        }
        // A one-step upload still receiving its bytes holds the room of the job it will start (that job
        // is never refused at the last byte): counted, or a user could open any number of them at once.
        db.write(() -> {
            db.lockUntilCommit(LockSpace.WAITING_JOBS, List.of(ownerId));
            refuseBeyond(
                    db.sql()
                            .sql(WAITING)
                            .param("owner", ownerId)
                            .param("now", clock.millis())
                            .query(Long.class)
                            .single(),
                    adding.getAsInt());
        });
    }

    private void refuseBeyond(long waiting, int adding) {
        if (adding <= 0) {
            return;
        }
        if (adding > 1 && waiting + adding > maxQueued) {
            throw new ApiException(
                            ErrorCode.TOO_MANY_QUEUED_JOBS,
                            "These " + adding + " jobs would join the " + waiting + " of yours waiting to run; at most "
                                    + maxQueued + " may wait at a time. Submit fewer, or more as they start.")
                    .with("limit", "queued-jobs")
                    .with("quota", maxQueued)
                    .with("queued", waiting)
                    .with("adding", adding)
                    .retryAfter(QUEUED_RETRY_AFTER);
        }
        if (waiting + adding > maxQueued) {
            throw new ApiException(
                            ErrorCode.TOO_MANY_QUEUED_JOBS,
                            "You have " + waiting + " jobs waiting to run; at most " + maxQueued
                                    + " may wait at a time. Submit more as they start.")
                    .with("limit", "queued-jobs")
                    .with("quota", maxQueued)
                    .with("queued", waiting)
                    .retryAfter(QUEUED_RETRY_AFTER);
        }
    }
}
