package dev.kiln.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.events.EventLog;
import dev.kiln.support.PageCursor;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.springframework.stereotype.Component;

/**
 * Deleting jobs with everything they own. The job row goes in one statement, guarded so that a
 * running attempt is never deleted from under its worker (cancel it first); its events, result,
 * speaker names and idempotency key follow by {@code ON DELETE CASCADE}, so any table that hangs
 * off a job with a cascading key is removed with it and nothing here needs to know of it (on
 * PostgreSQL the events go by a trigger that does the same, see V24). Its live followers, and its
 * owner's ("my jobs"), are told ({@link EventLog#deleted}): a waiting job has no terminal event to
 * end their streams, and a list must drop it.
 */
@Component
public class JobDeletion {

    /** The guard: every state but {@code running}, whose attempt holds a lease (queued and waiting jobs have none). */
    private static final String DELETABLE = "state <> 'running'";

    /** Succeeded, failed or cancelled: only a retry moves such a job again. */
    public static final String FINISHED = "state IN ('succeeded', 'failed', 'cancelled')";

    private final Database db;
    private final JobStore store;
    private final EventLog events;

    JobDeletion(Database db, JobStore store, EventLog events) {
        this.db = db;
        this.store = store;
        this.events = events;
    }

    /** What became of one deletion. */
    public sealed interface Outcome {
        /** Gone, with its events, partials and result. */
        record Deleted(Job job) implements Outcome {}

        /** An attempt is running it: nothing was deleted. */
        record Running(Job job) implements Outcome {}
    }

    /** Empty when there is no such job or {@code viewer} may not see it. */
    public Optional<Outcome> delete(String id, User viewer) {
        return store.find(id, viewer).map(job -> {
            if (job.state() == JobState.RUNNING) {
                return new Outcome.Running(job);
            }
            Set<String> deleted = db.write(() -> deleteRows(List.of(id)));
            // Claimed between the read and the delete: running now, so not deleted.
            return deleted.contains(id)
                    ? new Outcome.Deleted(job)
                    : new Outcome.Running(store.findById(id).orElse(job));
        });
    }

    /**
     * Deletes those of {@code ids} that are not running, in the caller's write transaction (or one
     * of its own); returns the ids it deleted.
     */
    public Set<String> deleteRows(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        Map<String, String> deleted = db
                .sql()
                .sql("DELETE FROM jobs WHERE id IN (:ids) AND " + DELETABLE + " RETURNING id, owner_id")
                .param("ids", List.copyOf(new HashSet<>(ids)))
                .query(JobDeletion::idAndOwner)
                .list()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        events.deleted(deleted);
        return deleted.keySet();
    }

    /** Retention: up to {@code limit} jobs that finished before {@code before} (epoch millis). */
    public List<String> finishedBefore(long before, int limit) {
        return db.sql()
                .sql("SELECT id FROM jobs WHERE " + FINISHED + " AND finished_at < ? LIMIT ?")
                .params(before, limit)
                .query(String.class)
                .list();
    }

    /**
     * Retention: deletes those of {@code ids} that are still finished before {@code before}, in the
     * caller's write transaction; returns their ids. A job retried meanwhile (waiting again) stays.
     */
    public Set<String> deleteFinished(Collection<String> ids, long before) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        Map<String, String> deleted = db
                .sql()
                .sql("DELETE FROM jobs WHERE id IN (:ids) AND " + FINISHED
                        + " AND finished_at < :before RETURNING id, owner_id")
                .param("ids", List.copyOf(new HashSet<>(ids)))
                .param("before", before)
                .query(JobDeletion::idAndOwner)
                .list()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        events.deleted(deleted);
        return deleted.keySet();
    }

    /** A deleted job's id and owner, as its DELETE returned them: its followers and its owner's hear of it. */
    private static Map.Entry<String, String> idAndOwner(ResultSet rs, int row) throws SQLException {
        return Map.entry(rs.getString("id"), rs.getString("owner_id"));
    }

    /** The jobs made from each of these files, whoever owns them (callers decide what to show), oldest first. */
    public Map<String, List<Made>> madeFrom(Collection<String> fileIds) {
        if (fileIds.isEmpty()) {
            return Map.of();
        }
        return db
                .sql()
                .sql("""
                        SELECT id, type, state, input_file_id FROM jobs WHERE input_file_id IN (:files)
                        ORDER BY created_at, id""")
                .param("files", List.copyOf(new HashSet<>(fileIds)))
                .query((rs, n) -> Map.entry(
                        rs.getString("input_file_id"),
                        new Made(rs.getString("id"), rs.getString("type"), JobState.fromWire(rs.getString("state")))))
                .list()
                .stream()
                .collect(Collectors.groupingBy(
                        Map.Entry::getKey, Collectors.mapping(Map.Entry::getValue, Collectors.toList())));
    }

    /**
     * The latest jobs made from one file, oldest first as {@link #madeFrom} gives them, how many there are in all,
     * and {@code earlier}: the job list's cursor just after the oldest of them (null when they are all), so
     * {@code ?file=&cursor=} reads the earlier ones whatever was made since.
     */
    public record Latest(List<Made> jobs, long count, String earlier) {}

    /**
     * The latest jobs of each of {@code files} files, newest first within a file: one small query per file
     * (each {@code ?} a file's id, then the owner's if {@code owner} is a condition, then the limit), joined,
     * each reading its file's end of {@code jobs_by_input_file_age} (V26), so a file run thousands of times
     * costs what one run once does. (A window over all of a file's jobs read and sorted every one of them.)
     * SQLite takes at most 500 terms in a compound SELECT: the file list's pages (at most 200) stay below.
     */
    static String latestSql(int files, String owner) {
        return IntStream.range(0, files)
                .mapToObj(i -> "SELECT * FROM (SELECT id, type, state, input_file_id, created_at FROM jobs"
                        + " WHERE input_file_id = ?" + owner + " ORDER BY created_at DESC, id DESC LIMIT ?) AS latest"
                        + i)
                .collect(Collectors.joining(" UNION ALL "));
    }

    /**
     * How many jobs each of the files ({@code :files}) has, of one owner's ({@code :owner}) if {@code ofOwner}:
     * a count per file by the file's index (nothing to group or sort), the owner's condition one no index serves (PostgreSQL would otherwise also
     * read every entry of the owner's in {@code jobs_by_owner}, to AND them).
     */
    static String countsSql(boolean ofOwner) {
        return "SELECT id AS input_file_id, (SELECT count(*) FROM jobs WHERE input_file_id = files.id"
                + (ofOwner ? " AND owner_id || '' = :owner" : "") + ") AS n FROM files WHERE id IN (:files)";
    }

    /**
     * As {@link #madeFrom}, but at most the {@code most} latest jobs of each file, with the count of all of
     * them: what a listing shows (the rest are the job list's, {@code ?file=}); of {@code owner}'s jobs only
     * if not null (what a member may see), else of all. A file with no job is absent. Only files with
     * {@code most} jobs are counted.
     */
    public Map<String, Latest> latestMadeFrom(Collection<String> fileIds, int most, String owner) {
        if (fileIds.isEmpty()) {
            return Map.of();
        }
        List<String> files = List.copyOf(new HashSet<>(fileIds));
        List<Object> args = new ArrayList<>();
        files.forEach(file -> {
            args.add(file);
            if (owner != null) {
                args.add(owner);
            }
            args.add(most);
        });
        Map<String, List<Made>> made = new HashMap<>();
        Map<String, PageCursor> oldest = new HashMap<>();
        String sql = latestSql(files.size(), owner == null ? "" : JobStore.ownerBesideFile(db));
        db.sql().sql(sql).params(args).query(rs -> {
            String file = rs.getString("input_file_id");
            made.computeIfAbsent(file, f -> new ArrayList<>())
                    .add(new Made(rs.getString("id"), rs.getString("type"), JobState.fromWire(rs.getString("state"))));
            oldest.put(file, new PageCursor(rs.getLong("created_at"), rs.getString("id")));
        });
        List<String> full = made.entrySet().stream()
                .filter(e -> e.getValue().size() >= most)
                .map(Map.Entry::getKey)
                .toList();
        Map<String, Long> counts = new HashMap<>();
        if (!full.isEmpty()) {
            db.sql()
                    .sql(countsSql(owner != null))
                    .param("files", full)
                    .param("owner", owner)
                    .query(rs -> {
                        counts.put(rs.getString("input_file_id"), rs.getLong("n"));
                    });
        }
        Map<String, Latest> latest = new HashMap<>();
        made.forEach((file, jobs) -> {
            long count = counts.getOrDefault(file, (long) jobs.size());
            String earlier = count > jobs.size() ? oldest.get(file).encode() : null;
            latest.put(file, new Latest(List.copyOf(jobs.reversed()), count, earlier));
        });
        return latest;
    }

    /** A job made from a file, as the file's listing shows it. */
    public record Made(String id, String type, @JsonIgnore JobState state) {

        @JsonProperty("state")
        public String stateName() {
            return state.wire();
        }

        public boolean waitingOrRunning() {
            return state == JobState.QUEUED || state == JobState.RETRY_SCHEDULED || state == JobState.RUNNING;
        }
    }

    /**
     * Keeps finished jobs of a file that is being deleted, without it: their input reads as gone
     * (a retry then fails with {@code input_missing}). In the caller's write transaction.
     */
    public void detachFinished(String fileId) {
        db.sql().sql("""
                        UPDATE jobs SET input_file_id = NULL
                        WHERE input_file_id = ? AND\s""" + FINISHED).param(fileId).update();
    }
}
