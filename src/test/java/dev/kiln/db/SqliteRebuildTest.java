package dev.kiln.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import dev.kiln.testing.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SQLite rebuild (V10) keeps every row, every index and every foreign key of a database in use. */
class SqliteRebuildTest {

    private HikariDataSource dataSource;

    @AfterEach
    void close() {
        if (dataSource != null) {
            dataSource.close();
        }
    }

    @Test
    void rebuildingKeepsRowsIndexesAndForeignKeys() throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.SQLITE);
        dataSource = Databases.pool(DatabaseSettings.forUrl(url, 2), new KilnHome(TestDatabases.tempDir("kiln-home-")));
        Dialect dialect = Dialect.forUrl(url);
        Databases.flyway(dataSource, dialect).target("9").load().migrate();
        run(
                "INSERT INTO users (id, name, role, created_at) VALUES ('usr_1', 'ana', 'member', 0)",
                "INSERT INTO files (id, owner_id, sha256, size, media_type, name, created_at)"
                        + " VALUES ('fil_1', 'usr_1', 'abc', 3, 'text/plain', 'a.txt', 0)",
                "INSERT INTO jobs (id, owner_id, type, input_file_id, params, state, fair_key, run_after, max_attempts,"
                        + " seq, created_at, eta_at) VALUES ('job_1', 'usr_1', 'extract', 'fil_1', '{}', 'succeeded', 1, 0,"
                        + " 3, 2, 0, 42)",
                "INSERT INTO job_events (job_id, seq, kind, data, created_at) VALUES ('job_1', 1, 'state', '{}', 0)",
                "INSERT INTO job_events (job_id, seq, kind, data, created_at) VALUES ('job_1', 2, 'state', '{}', 0)",
                "INSERT INTO job_results (job_id, body, created_at) VALUES ('job_1', '{\"text\":\"x\"}', 0)");
        List<String> indexesBefore = names("index");

        Databases.flyway(dataSource, dialect).load().migrate();

        assertThat(count("job_events"))
                .as("events kept (a cascade from the dropped table would delete them)")
                .isEqualTo(2);
        assertThat(count("job_results")).isEqualTo(1);
        assertThat(single("SELECT eta_at FROM jobs WHERE id = 'job_1'")).isEqualTo("42");
        assertThat(names("index")).containsAll(indexesBefore);
        assertThat(single("PRAGMA foreign_keys")).as("foreign keys on again").isEqualTo("1");
        run(
                "INSERT INTO users (id, name, role, created_at) VALUES ('usr_2', 'gpu-1', 'worker', 0)",
                "INSERT INTO jobs (id, owner_id, type, input_file_id, params, state, fair_key, run_after, max_attempts,"
                        + " created_at) VALUES ('job_2', 'usr_1', 'optimize', NULL, '{}', 'queued', 2, 0, 3, 0)");
        assertThatThrownBy(() -> run("INSERT INTO users (id, name, role, created_at) VALUES ('usr_3', 'x', 'root', 0)"))
                .hasMessageContaining("CHECK");
        assertThatThrownBy(() -> run("INSERT INTO job_events (job_id, seq, kind, data, created_at)"
                        + " VALUES ('job_none', 1, 'state', '{}', 0)"))
                .hasMessageContaining("FOREIGN KEY");
        run("DELETE FROM jobs WHERE id = 'job_1'");
        assertThat(count("job_events")).as("the cascade still points at jobs").isZero();
    }

    @Test
    void theChecksumDoesNotDependOnTheOrderOfTheTables() {
        Map<String, UnaryOperator<String>> one = new LinkedHashMap<>();
        one.put("users", UnaryOperator.identity());
        one.put("jobs", UnaryOperator.identity());
        Map<String, UnaryOperator<String>> other = new LinkedHashMap<>();
        other.put("jobs", UnaryOperator.identity());
        other.put("users", UnaryOperator.identity());

        // Flyway refuses to start when an applied migration's checksum changes from one start to the next.
        assertThat(new SqliteRebuild("10", "d", one).getChecksum())
                .isEqualTo(new SqliteRebuild("10", "d", other).getChecksum());
    }

    private void run(String... statements) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    private String single(String query) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private long count(String table) throws SQLException {
        return Long.parseLong(single("SELECT count(*) FROM " + table));
    }

    private List<String> names(String type) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name FROM sqlite_schema WHERE type = '" + type
                        + "' AND sql IS NOT NULL ORDER BY name")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
