package dev.kiln.jobs;

import dev.kiln.db.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.IntSupplier;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Failed and cancelled jobs put back in the queue many at once (a batch's retry) as one decision:
 * in one transaction, the owner's waiting jobs checked once for the whole set, each job through the
 * retry's guarded UPDATE. Two such retries at once, or one beside new submissions, cannot each
 * queue part of their jobs and then be refused: all of a set goes back, or none does.
 */
@Component
public class JobRetries {

    private final Database db;
    private final JobStateMachine arrows;
    private final JobInserts inserts;
    private final RowMapper<Job> rows;
    private final Clock clock;

    public JobRetries(Database db, JobStateMachine arrows, JsonMapper json, Clock clock) {
        this.db = db;
        this.arrows = arrows;
        this.inserts = new JobInserts(db, json);
        this.rows = JobRows.mapper(json);
        this.clock = clock;
    }

    /**
     * Queues again, with fresh attempts, those of {@code jobIds} (all {@code ownerId}'s) that are
     * failed or cancelled. {@code admit} gets the owner and how many those are, counted when it asks
     * (after taking whatever lock it holds until commit, so a retry that ran meanwhile is not counted
     * twice), and refuses them all by throwing: then nothing changes.
     *
     * @return the jobs queued again; not those another request retried first
     */
    public List<Job> retryAll(String ownerId, Collection<String> jobIds, BiConsumer<String, IntSupplier> admit) {
        if (jobIds.isEmpty()) {
            return List.of();
        }
        return db.write(() -> {
            List<Job> ended = new ArrayList<>();
            AtomicBoolean asked = new AtomicBoolean();
            admit.accept(ownerId, () -> {
                asked.set(true);
                ended.clear();
                ended.addAll(retryable(jobIds));
                return ended.size();
            });
            // admit did not ask (no limit on waiting jobs); if it asked, what it counted is what goes back,
            // even none: a job ended since was not counted.
            if (!asked.get()) {
                ended.addAll(retryable(jobIds));
            }
            Instant now = clock.instant();
            List<Job> requeued = new ArrayList<>();
            for (Job job : ended) {
                long fairKey = inserts.firstFairKey(job.ownerId(), job.type(), job.priority());
                arrows.manualRetry(job.id(), fairKey, now).ifPresent(requeued::add);
            }
            return requeued;
        });
    }

    /** Those of the jobs that may be retried, in id order (the lock order of every batch of updates). */
    private List<Job> retryable(Collection<String> jobIds) {
        return db.sql()
                .sql("SELECT " + JobRows.COLUMNS + " FROM jobs WHERE id IN (:ids) AND "
                        + Transition.inStates(Transition.MANUAL_RETRY.from()) + " ORDER BY id")
                .param("ids", jobIds)
                .query(rows)
                .list();
    }
}
