package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.auth.User;
import dev.kiln.support.PageCursor;
import dev.kiln.testing.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The job tables' keys and indexes: ids that sort by submission time, and the partial
 * {@code jobs_by_input_file_age} (V26, after V25's {@code jobs_by_input_file}), which leaves out jobs made
 * from no file yet serves every lookup by input file, each database's foreign-key check on a file's deletion
 * included. Plans are read with
 * sequential scans priced out on PostgreSQL, so a plan that names no index of the jobs' files means the
 * planner could not prove the partial index usable.
 */
abstract class JobIndexesContract extends QueueContractBase {

    @Test
    void everyLookupByInputFileCanUseThePartialIndex() throws SQLException {
        // The readers' shapes: JobDeletion (its select and its detach), UserDeletions (up to 200 ids at
        // once: PostgreSQL proves a list over 100 by another path than a short one), JobStore.list,
        // Deletions.unusedSince, the file list's latest jobs (JobDeletion.LATEST), the job list by file.
        String manyFiles =
                IntStream.range(0, 200).mapToObj(i -> "'file_" + i + "'").collect(Collectors.joining(", "));
        List<String> lookups = List.of(
                "SELECT id, type, state, input_file_id FROM jobs WHERE input_file_id IN ('file_a', 'file_b')",
                "UPDATE jobs SET input_file_id = NULL WHERE input_file_id = 'file_a' AND " + JobDeletion.FINISHED,
                "SELECT input_file_id FROM jobs WHERE input_file_id IN (" + manyFiles + ")",
                "SELECT id FROM jobs WHERE input_file_id IN (SELECT id FROM files WHERE name LIKE '%a%')",
                "SELECT id FROM files WHERE created_at < 5 AND NOT EXISTS (SELECT 1 FROM jobs j"
                        + " WHERE j.input_file_id = files.id AND (j.state IN ('queued', 'retry_scheduled', 'running')"
                        + " OR j.created_at >= 5 OR j.finished_at >= 5))",
                JobDeletion.latestSql(3, "").replace("= ?", "= 'file_a'").replace("LIMIT ?", "LIMIT 5"),
                JobDeletion.countsSql(false).replace(":files", manyFiles),
                "SELECT id FROM jobs WHERE owner_id || '' = 'user_a' AND input_file_id = 'file_a'"
                        + " ORDER BY created_at DESC, id DESC LIMIT 51",
                "SELECT id FROM jobs WHERE input_file_id = 'file_a' ORDER BY created_at DESC, id DESC LIMIT 51");
        try (Connection c = fx.dataSource.getConnection();
                Statement s = c.createStatement()) {
            boolean postgres = kind() == TestDatabases.Kind.POSTGRES;
            if (postgres) {
                s.execute("SET enable_seqscan = off");
            }
            try {
                for (String lookup : lookups) {
                    assertThat(plan(s, lookup)).as(lookup).contains("jobs_by_input_file_age");
                }
                if (postgres) {
                    assertThat(foreignKeyCheckPlan(s)).contains("jobs_by_input_file_age");
                } else {
                    assertThat(sqliteKeyCheckOpens(s, "jobs_by_input_file_age"))
                            .as("a file's deletion looks for its jobs through the index")
                            .isTrue();
                }
            } finally {
                if (postgres) { // the connection goes back to the pool
                    s.execute("RESET enable_seqscan");
                    s.execute("RESET plan_cache_mode");
                }
            }
        }
    }

    /**
     * With statistics (ANALYZE) over a skewed table: 20,000 jobs, one in twenty made by alice from one file,
     * most by bob from none. A page of that file's jobs (a member's and an admin's, deep after a cursor,
     * with a state, type and name too) and the file list's latest jobs and counts each read that file's end
     * of the index, in order: no sort of all its jobs, no walk of the whole table by age.
     */
    @Test
    void aFileRunThousandsOfTimesIsReadAPageAtATime() throws SQLException {
        User root = fx.admin("root");
        String hot = fx.file(alice).id();
        String warm = fx.file(bob).id();
        load(hot, warm);
        String deep = fx.db.sql()
                .sql("SELECT id FROM jobs WHERE input_file_id = ? ORDER BY created_at, id LIMIT 1 OFFSET 60")
                .param(hot)
                .query(String.class)
                .single();
        long deepAt = fx.db.sql()
                .sql("SELECT created_at FROM jobs WHERE id = ?")
                .param(deep)
                .query(Long.class)
                .single();
        PageCursor cursor = new PageCursor(deepAt, deep);
        Map<String, List<Object>> lookups = new LinkedHashMap<>();
        // As JobStore.ownerBesideFile writes it on each database.
        String owner = kind() == TestDatabases.Kind.SQLITE ? " AND owner_id || '' = ?" : " AND owner_id = ?";
        for (User viewer : List.of(alice, root)) {
            for (JobFilter filter : List.of(
                    new JobFilter(null, null, null, hot),
                    new JobFilter(JobState.SUCCEEDED, "transcribe", "input", hot))) {
                for (PageCursor after : Arrays.asList(null, cursor)) {
                    List<Object> args = new ArrayList<>();
                    lookups.put(filter.listSql(viewer, after, 51, owner, args), args);
                }
            }
        }
        lookups.put(JobDeletion.latestSql(2, ""), List.of(hot, 5, warm, 5));
        lookups.put(JobDeletion.countsSql(false).replace(":files", "?, ?"), List.of(hot, warm));
        lookups.put(JobDeletion.latestSql(2, owner), List.of(hot, alice.id(), 5, warm, alice.id(), 5));
        lookups.put(
                JobDeletion.countsSql(true).replace(":files", "?, ?").replace(":owner", "?"),
                List.of(hot, warm, alice.id()));
        try (Connection c = fx.dataSource.getConnection()) {
            for (Map.Entry<String, List<Object>> lookup : lookups.entrySet()) {
                String plan = plan(c, lookup.getKey(), lookup.getValue());
                assertThat(plan)
                        .as(lookup.getKey())
                        .contains("jobs_by_input_file_age")
                        .doesNotContain("jobs_by_age", "jobs_by_owner", "TEMP B-TREE")
                        .doesNotContainPattern("(?m)^\\s*(->\\s*)?(Incremental )?Sort ");
                if (lookup.getKey().contains("created_at <= ?")) {
                    assertThat(plan)
                            .as("the cursor's page is sought, not walked to")
                            .containsPattern(
                                    kind() == TestDatabases.Kind.POSTGRES
                                            ? "Index Cond: .*created_at <="
                                            : "created_at<");
                }
            }
        }
    }

    /** 20,000 jobs, every 20th alice's from {@code hot}, three bob's from {@code warm}, the rest bob's from no file. */
    private void load(String hot, String warm) throws SQLException {
        try (Connection c = fx.dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement("""
                        WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000)
                        INSERT INTO jobs (id, owner_id, type, input_file_id, params, priority, state, fair_key,
                                          run_after, progress, attempt, max_attempts, seq, created_at, finished_at)
                        SELECT 'job_' || (100000 + n), CASE WHEN n % 20 = 0 THEN ? ELSE ? END,
                               CASE WHEN n % 3 = 0 THEN 'extract' ELSE 'transcribe' END,
                               CASE WHEN n % 20 = 0 THEN ? WHEN n < 4 THEN ? END, '{}', 0,
                               CASE WHEN n % 7 = 0 THEN 'failed' ELSE 'succeeded' END, n,
                               1700000000000 + n * 1000, 1, 1, 3, 3, 1700000000000 + n * 1000,
                               1700000000000 + n * 1000 + 500
                        FROM g""")) {
            insert.setString(1, alice.id());
            insert.setString(2, bob.id());
            insert.setString(3, hot);
            insert.setString(4, warm);
            insert.executeUpdate();
            try (Statement s = c.createStatement()) {
                s.execute(kind() == TestDatabases.Kind.POSTGRES ? "VACUUM ANALYZE jobs" : "ANALYZE");
            }
        }
    }

    private String plan(Connection c, String sql, List<Object> args) throws SQLException {
        boolean postgres = kind() == TestDatabases.Kind.POSTGRES;
        try (PreparedStatement explain = c.prepareStatement((postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql)) {
            for (int i = 0; i < args.size(); i++) {
                explain.setObject(i + 1, args.get(i));
            }
            return lines(explain.executeQuery(), postgres ? 1 : 4);
        }
    }

    /**
     * Submitted a millisecond apart from a time whose last id character is at 0, so that it passes
     * from z (25) to 2 (26) on the way, then further apart.
     */
    @Test
    void laterJobsHaveIdsThisDatabaseSortsLaterSoItsKeyGrowsAtOneEdge() {
        assertThat(fx.clock.instant().toEpochMilli() % 32).isZero();
        List<Duration> steps = new ArrayList<>(Collections.nCopies(40, Duration.ofMillis(1)));
        steps.addAll(List.of(Duration.ofSeconds(1), Duration.ofMinutes(7), Duration.ofDays(1), Duration.ofDays(400)));
        List<String> submitted = new ArrayList<>();
        for (Duration step : steps) {
            fx.clock.advance(step);
            submitted.add(fx.submit(alice, "work").id());
        }

        List<String> byKey = fx.db.sql()
                .sql("SELECT id FROM jobs ORDER BY id")
                .query(String.class)
                .list();
        assertThat(byKey).containsExactlyElementsOf(submitted);
    }

    @Test
    void theWholeIndexIsGone() {
        assertThat(fx.db.sql()
                        .sql(
                                kind() == TestDatabases.Kind.POSTGRES
                                        ? "SELECT indexname FROM pg_indexes WHERE tablename = 'jobs'"
                                        : "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs'")
                        .query(String.class)
                        .list())
                .contains("jobs_by_input_file_age")
                .doesNotContain("jobs_by_input", "jobs_by_input_file");
    }

    private String plan(Statement s, String sql) throws SQLException {
        return kind() == TestDatabases.Kind.POSTGRES
                ? lines(s.executeQuery("EXPLAIN " + sql), 1)
                : lines(s.executeQuery("EXPLAIN QUERY PLAN " + sql), 4);
    }

    /** What PostgreSQL runs when a file is deleted: its key's check for jobs still made from it, a generic plan. */
    private static String foreignKeyCheckPlan(Statement s) throws SQLException {
        s.execute("SET plan_cache_mode = force_generic_plan");
        s.execute("PREPARE file_key_check (text) AS"
                + " SELECT 1 FROM ONLY jobs x WHERE $1 = input_file_id FOR KEY SHARE OF x");
        try {
            return lines(s.executeQuery("EXPLAIN EXECUTE file_key_check ('file_a')"), 1);
        } finally {
            s.execute("DEALLOCATE file_key_check");
        }
    }

    /** SQLite checks the key inside the DELETE's own program, which opens an index by its root page. */
    private static boolean sqliteKeyCheckOpens(Statement s, String index) throws SQLException {
        ResultSet root = s.executeQuery("SELECT rootpage FROM sqlite_master WHERE name = '" + index + "'");
        assertThat(root.next()).as(index).isTrue();
        int page = root.getInt(1);
        ResultSet program = s.executeQuery("EXPLAIN DELETE FROM files WHERE id = 'file_a'");
        while (program.next()) {
            if (program.getString("opcode").equals("OpenRead") && program.getInt("p2") == page) {
                return true;
            }
        }
        return false;
    }

    private static String lines(ResultSet rs, int column) throws SQLException {
        List<String> out = new ArrayList<>();
        while (rs.next()) {
            out.add(rs.getString(column));
        }
        return String.join("\n", out);
    }
}
