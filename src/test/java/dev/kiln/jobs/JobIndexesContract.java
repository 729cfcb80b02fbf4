package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The queries that look jobs up by their input file can use the partial {@code jobs_by_input_file}
 * (V25), which leaves out jobs made from no file, and so can each database's foreign-key check when a
 * file is deleted. Plans are read with sequential scans priced out on PostgreSQL, so a plan without the
 * index means the planner could not prove it usable.
 */
abstract class JobIndexesContract extends QueueContractBase {

    @Test
    void everyLookupByInputFileCanUseThePartialIndex() throws SQLException {
        List<String> lookups = List.of(
                "SELECT id FROM jobs WHERE input_file_id = 'file_a'",
                "SELECT id, type, state, input_file_id FROM jobs WHERE input_file_id IN ('file_a', 'file_b')",
                "SELECT id FROM jobs WHERE input_file_id IN (SELECT id FROM files WHERE name LIKE '%a%')",
                "SELECT id FROM files WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.input_file_id = files.id"
                        + " AND j.state IN ('queued', 'running'))");
        try (Connection c = fx.dataSource.getConnection()) {
            for (String lookup : lookups) {
                assertThat(plan(c, lookup)).as(lookup).contains("jobs_by_input_file");
            }
            if (kind() == TestDatabases.Kind.POSTGRES) {
                assertThat(foreignKeyCheckPlan(c)).contains("jobs_by_input_file");
            } else {
                assertThat(sqliteKeyCheckOpens(c, "jobs_by_input_file"))
                        .as("a file's deletion looks for its jobs through the index")
                        .isTrue();
            }
        }
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

    private String plan(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (kind() == TestDatabases.Kind.POSTGRES) {
                s.execute("SET enable_seqscan = off");
                return lines(s.executeQuery("EXPLAIN " + sql), 1);
            }
            return lines(s.executeQuery("EXPLAIN QUERY PLAN " + sql), 4);
        }
    }

    /** What PostgreSQL runs when a file is deleted: its key's check for jobs still made from it, a generic plan. */
    private static String foreignKeyCheckPlan(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET enable_seqscan = off");
            s.execute("SET plan_cache_mode = force_generic_plan");
            s.execute("PREPARE file_key_check (text) AS"
                    + " SELECT 1 FROM ONLY jobs x WHERE $1 = input_file_id FOR KEY SHARE OF x");
            return lines(s.executeQuery("EXPLAIN EXECUTE file_key_check ('file_a')"), 1);
        }
    }

    /** SQLite checks the key inside the DELETE's own program, which opens an index by its root page. */
    private static boolean sqliteKeyCheckOpens(Connection c, String index) throws SQLException {
        try (Statement s = c.createStatement()) {
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
    }

    private static String lines(ResultSet rs, int column) throws SQLException {
        List<String> out = new ArrayList<>();
        while (rs.next()) {
            out.add(rs.getString(column));
        }
        return String.join("\n", out);
    }
}
