package dev.kiln.library;

import dev.kiln.auth.User;
import dev.kiln.db.Database;
import dev.kiln.files.FileCatalog;
import dev.kiln.files.FileInfo;
import dev.kiln.jobs.JobDeletion;
import dev.kiln.jobs.JobState;
import dev.kiln.uploads.StorageSweeper;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;

/**
 * Deleting a file, in two steps: (1) its row — with its jobs, or keeping its finished jobs
 * without it — in one transaction, so quota is freed at once and no half-deleted row can be
 * left; (2) its stored bytes, if no other file uses the same content (blobs are shared by
 * content address). A crash between the two leaves only content nothing refers to, which the
 * storage sweep removes (its grace counts from when the content was last stored, long past for a
 * file being deleted).
 */
@Component
class Deletions {

    /** A job made from the file, or one of its jobs started, while this looked: look again (bounded). */
    private static final int MAX_RACE_RETRIES = 3;

    private final Database db;
    private final FileCatalog files;
    private final JobDeletion jobs;
    private final StorageSweeper sweeper;

    Deletions(Database db, FileCatalog files, JobDeletion jobs, StorageSweeper sweeper) {
        this.db = db;
        this.files = files;
        this.jobs = jobs;
        this.sweeper = sweeper;
    }

    sealed interface FileOutcome {
        /** Gone, with these jobs. */
        record Deleted(FileInfo file, List<String> jobs) implements FileOutcome {}

        /** Jobs waiting or running need it, and the caller did not ask for them to go too. */
        record InUse(FileInfo file, List<JobDeletion.Made> jobs) implements FileOutcome {}

        /** The caller asked for its jobs to go too, and these are running: cancel them first. */
        record JobsRunning(FileInfo file, List<JobDeletion.Made> jobs) implements FileOutcome {}
    }

    /** Empty when there is no such file or {@code viewer} may not see it. */
    Optional<FileOutcome> deleteFile(String id, User viewer, boolean withJobs) {
        return files.find(id, viewer).map(file -> {
            FileOutcome outcome = deleteRows(file, withJobs);
            if (outcome instanceof FileOutcome.Deleted) {
                sweeper.release(Set.of(file.sha256()));
            }
            return outcome;
        });
    }

    /** Step 1 alone (tests stop here to play a crash before the bytes go). */
    FileOutcome deleteRows(FileInfo file, boolean withJobs) {
        for (int attempt = 1; ; attempt++) {
            try {
                return db.write(() -> deleteRowsOnce(file, withJobs));
            } catch (DataIntegrityViolationException | RaceLost e) {
                if (attempt == MAX_RACE_RETRIES) {
                    throw e;
                }
            }
        }
    }

    private FileOutcome deleteRowsOnce(FileInfo file, boolean withJobs) {
        List<JobDeletion.Made> made = jobs.madeFrom(List.of(file.id())).getOrDefault(file.id(), List.of());
        List<JobDeletion.Made> active =
                made.stream().filter(JobDeletion.Made::waitingOrRunning).toList();
        if (!withJobs && !active.isEmpty()) {
            return new FileOutcome.InUse(file, active);
        }
        List<JobDeletion.Made> running =
                made.stream().filter(m -> m.state() == JobState.RUNNING).toList();
        if (!running.isEmpty()) {
            return new FileOutcome.JobsRunning(file, running);
        }
        List<String> jobIds = made.stream().map(JobDeletion.Made::id).toList();
        if (withJobs) {
            Set<String> deleted = jobs.deleteRows(jobIds);
            if (deleted.size() != jobIds.size()) {
                throw new RaceLost(); // one was claimed meanwhile: roll back and look again
            }
        } else {
            jobs.detachFinished(file.id());
        }
        // A job submitted from the file meanwhile makes this fail its foreign key: rolled back, looked at again.
        db.sql().sql("DELETE FROM files WHERE id = ?").param(file.id()).update();
        return new FileOutcome.Deleted(file, withJobs ? jobIds : List.of());
    }

    /**
     * A file no job has used since {@code since} (epoch millis): older than that, and no job made
     * from it is waiting, running, or was created or finished since.
     */
    private static final String UNUSED_SINCE = """
            created_at < :since AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.input_file_id = files.id
              AND (j.state IN ('queued', 'retry_scheduled', 'running') OR j.created_at >= :since OR j.finished_at >= :since))""";

    /** Retention: up to {@code limit} files no job has used since {@code since}. */
    List<String> unusedSince(long since, int limit) {
        return db.sql()
                .sql("SELECT id FROM files WHERE " + UNUSED_SINCE + " LIMIT :limit")
                .param("since", since)
                .param("limit", limit)
                .query(String.class)
                .list();
    }

    /**
     * Retention, step 1: the file's row goes if it is still unused since {@code since}, keeping its
     * finished jobs without it; false when it is gone already (another node) or in use again. A
     * job made from it meanwhile fails this transaction's foreign key: then it stays.
     */
    boolean deleteRowsIfUnused(String fileId, long since) {
        try {
            return db.write(() -> {
                boolean unused = db.sql()
                                .sql("SELECT COUNT(*) FROM files WHERE id = :id AND " + UNUSED_SINCE)
                                .param("id", fileId)
                                .param("since", since)
                                .query(Long.class)
                                .single()
                        > 0;
                if (!unused) {
                    return false;
                }
                jobs.detachFinished(fileId);
                return db.sql()
                                .sql("DELETE FROM files WHERE id = ?")
                                .param(fileId)
                                .update()
                        == 1;
            });
        } catch (DataIntegrityViolationException e) {
            return false;
        }
    }

    /** Ids of the files and jobs the outcome names, for messages. */
    static String ids(List<JobDeletion.Made> made) {
        return made.stream().map(JobDeletion.Made::id).collect(Collectors.joining(", "));
    }

    private static final class RaceLost extends RuntimeException {
        RaceLost() {
            super(null, null, false, false);
        }
    }
}
