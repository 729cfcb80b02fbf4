package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The job tables' keys and indexes: ids that sort by submission time, and the partial
 * {@code jobs_by_input_file} (V25), which leaves out jobs made from no file yet serves every lookup by
 * input file, each database's foreign-key check on a file's deletion included. Plans are read with
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
                JobDeletion.LATEST.replace(":files", manyFiles).replace(":most", "5"),
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
                    assertThat(plan(s, lookup)).as(lookup).contains("jobs_by_input_file");
                }
                if (postgres) {
                    assertThat(foreignKeyCheckPlan(s)).contains("jobs_by_input_file");
                } else {
                    assertThat(sqliteKeyCheckOpens(s, "jobs_by_input_file"))
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
                .contains("jobs_by_input_file")
                .doesNotContain("jobs_by_input");
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
