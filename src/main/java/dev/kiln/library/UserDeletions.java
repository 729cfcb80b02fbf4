package dev.kiln.library;

import dev.kiln.auth.Role;
import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.db.Database;
import dev.kiln.files.FileCatalog;
import dev.kiln.files.FileInfo;
import dev.kiln.jobs.JobDeletion;
import dev.kiln.jobs.JobStore;
import dev.kiln.support.Loop;
import dev.kiln.uploads.StorageSweeper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Deletes what a deleted user owned ({@link Users#delete}): their waiting jobs are cancelled and
 * their running ones asked to stop, then every file (with the jobs made from it) and every other
 * job of theirs goes through the same steps as the library's own deletions ({@link Deletions},
 * {@link JobDeletion}), and content nothing refers to any more is released. A job still running
 * cannot go from under its worker: this loop comes back for it, as it does after a crash, until
 * nothing of the user's is left. Safe on every node: each step re-checks what it removes.
 */
@Component
class UserDeletions extends Loop {

    private static final Logger log = LoggerFactory.getLogger(UserDeletions.class);
    /** How often a node looks for deleted users whose jobs or files are still there (jobs stopping, a crash). */
    private static final Duration INTERVAL = Duration.ofSeconds(15);

    private static final int BATCH = 200;

    private final Database db;
    private final Users users;
    private final JobStore jobs;
    private final JobDeletion jobDeletion;
    private final Deletions deletions;
    private final FileCatalog files;
    private final StorageSweeper storage;

    UserDeletions(
            Database db,
            Users users,
            JobStore jobs,
            JobDeletion jobDeletion,
            Deletions deletions,
            FileCatalog files,
            StorageSweeper storage) {
        super("kiln-user-deletions", INTERVAL);
        this.db = db;
        this.users = users;
        this.jobs = jobs;
        this.jobDeletion = jobDeletion;
        this.deletions = deletions;
        this.files = files;
        this.storage = storage;
    }

    @Override
    protected boolean step() {
        sweep();
        return false;
    }

    /** Finishes every deleted user's deletion as far as it can go now; returns the jobs still stopping. */
    List<String> sweep() {
        List<String> stopping = new ArrayList<>();
        for (User user : users.deletedWithData()) {
            stopping.addAll(purge(user));
        }
        return stopping;
    }

    /** Deletes what {@code user} owns that can go now; returns their jobs still running (asked to stop). */
    List<String> purge(User user) {
        // As the owner sees them, whatever the role was: only their own jobs and files.
        User owner = new User(user.id(), user.name(), Role.MEMBER);
        String active = "SELECT id FROM jobs WHERE owner_id = ? AND state IN ('queued', 'retry_scheduled', 'running')";
        for (String id : ids(active, user)) {
            jobs.cancel(id, owner);
        }
        Set<String> released = new LinkedHashSet<>();
        String after = "";
        for (List<String> page = filesAfter(user, after); !page.isEmpty(); page = filesAfter(user, after)) {
            Map<String, List<String>> results = resultContent(page);
            for (FileInfo file : files.findByIds(page).values()) {
                try {
                    if (deletions.deleteRows(file, true) instanceof Deletions.FileOutcome.Deleted) {
                        released.add(file.sha256());
                        released.addAll(results.getOrDefault(file.id(), List.of()));
                    }
                } catch (RuntimeException e) {
                    // Lost races three times over: the file stays for the next sweep, the rest goes on.
                    log.warn("Deleting user {}: file {} left for the next sweep", user.id(), file.id(), e);
                }
            }
            after = page.getLast();
        }
        List<String> rest = ids("SELECT id FROM jobs WHERE owner_id = ? AND state <> 'running'", user);
        if (!rest.isEmpty()) {
            released.addAll(db.sql()
                    .sql("SELECT sha256 FROM job_files WHERE job_id IN (:ids)")
                    .param("ids", rest)
                    .query(String.class)
                    .list());
            db.write(() -> jobDeletion.deleteRows(rest));
        }
        if (!released.isEmpty()) {
            storage.release(released);
        }
        List<String> running = ids("SELECT id FROM jobs WHERE owner_id = ?", user);
        if (!running.isEmpty()) {
            log.info("Deleting user {}: {} job(s) still stopping; finished later", user.id(), running.size());
        }
        return running;
    }

    /** Per file, the content of the result files of the jobs made from it (it may go with them): one read a page. */
    private Map<String, List<String>> resultContent(List<String> fileIds) {
        Map<String, List<String>> content = new HashMap<>();
        db.sql().sql("""
                        SELECT j.input_file_id, f.sha256 FROM job_files f JOIN jobs j ON j.id = f.job_id
                        WHERE j.input_file_id IN (:ids)""").param("ids", fileIds).query(rs -> {
            content.computeIfAbsent(rs.getString(1), id -> new ArrayList<>()).add(rs.getString(2));
        });
        return content;
    }

    /** A page of the user's files, by id (those that stay, their jobs running, are passed over). */
    private List<String> filesAfter(User user, String after) {
        return db.sql()
                .sql("SELECT id FROM files WHERE owner_id = ? AND id > ? ORDER BY id LIMIT " + BATCH)
                .params(user.id(), after)
                .query(String.class)
                .list();
    }

    private List<String> ids(String sql, User user) {
        return db.sql().sql(sql).param(user.id()).query(String.class).list();
    }
}
