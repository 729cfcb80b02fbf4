package dev.kiln.jobs;

import dev.kiln.db.Database;
import dev.kiln.db.LockSpace;
import dev.kiln.limits.LimitSettings;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The CLAIM arrow's statement for one round: plain, or with each owner held to
 * {@code kiln.limits.max-running-jobs} (their other jobs stay queued, in order, and are taken as
 * their running ones end). The dialect writes the statement; its condition and assignments come
 * from {@link Transition#CLAIM}.
 */
final class ClaimStatements {

    /**
     * How many claimable jobs a capped claim looks at per job it wants: owners at their limit
     * within the batch would otherwise leave it short.
     */
    private static final int CANDIDATES_PER_CLAIMED = 4;

    static final String RETURNING = Moved.COLUMNS + ", input_file_id, params, max_attempts, lease_token";
    /** A new attempt: an earlier one's error no longer says why the job is where it is (as a client's fold drops it). */
    static final String ASSIGNMENTS = Transition.CLAIM.assignments("1", """
            attempt = attempt + 1, lease_token = :token, lease_node = :node, lease_expires_at = :leaseUntil,
            started_at = :now, stage = NULL, eta_at = NULL, progress = 0,
            error_code = NULL, error_message = NULL, error_retryable = NULL""");

    /** The owners of the first claimable jobs in queue order, leaving out those already at their running limit. */
    private static final String CANDIDATE_OWNERS = """
            SELECT DISTINCT owner_id FROM (
                SELECT owner_id FROM jobs
                WHERE %s AND type = :type
                  AND owner_id NOT IN (SELECT owner_id FROM jobs WHERE state = 'running'
                                       GROUP BY owner_id HAVING count(*) >= :maxRunning)
                ORDER BY priority DESC, fair_key, id
                LIMIT :window) candidates""".formatted(Transition.CLAIMABLE);

    private final Database db;
    private final LimitSettings limits;
    private final String plain;
    private final String capped;

    ClaimStatements(Database db, LimitSettings limits) {
        this.db = db;
        this.limits = limits;
        this.plain = db.dialect().claimJobsSql(Transition.CLAIMABLE, ASSIGNMENTS, RETURNING);
        this.capped = db.dialect().claimJobsCappedSql(Transition.CLAIMABLE, ASSIGNMENTS, RETURNING);
    }

    /** The statement claiming up to {@code limit} jobs of {@code type}; null when there is nothing to claim. */
    JdbcClient.StatementSpec forRound(String type, int limit) {
        int maxRunning = limits.maxRunningJobs();
        if (maxRunning <= 0) {
            return db.sql().sql(plain);
        }
        int window = limit * CANDIDATES_PER_CLAIMED;
        JdbcClient.StatementSpec statement =
                db.sql().sql(capped).param("maxRunning", maxRunning).param("window", window);
        if (!db.dialect().serializesWrites()) {
            // Claimers on other nodes could count an owner's room at the same moment: the owners
            // this claim may take from are locked first, so their counts stay true until it commits.
            List<String> owners = db.sql()
                    .sql(CANDIDATE_OWNERS)
                    .param("type", type)
                    .param("maxRunning", maxRunning)
                    .param("window", window)
                    .query(String.class)
                    .list();
            if (owners.isEmpty()) {
                return null;
            }
            db.lockUntilCommit(LockSpace.RUNNING_JOBS, owners);
            statement = statement.param("owners", owners);
        }
        return statement;
    }
}
