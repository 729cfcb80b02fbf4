package dev.kiln.fuzz;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Kiln has stored, read straight from its SQLite file: per table, the number of rows and a
 * digest of every value. Two equal snapshots mean nothing stored changed in between.
 */
final class StoredState implements AutoCloseable {

    private static final List<String> TABLES = List.of(
            "users",
            "api_tokens",
            "sessions",
            "files",
            "jobs",
            "job_events",
            "job_results",
            "result_edits",
            "idempotency_keys",
            "uploads",
            "job_files",
            "batches",
            // Not webhook_deliveries: a delivery's attempts change it by themselves.
            "webhooks");

    /**
     * A token's last use, written by authentication at most once a minute whatever the request's
     * outcome: a refused request may move it, so it is no sign of a change the request made.
     */
    private static final String TOUCHED_BY_ANY_REQUEST = "last_used_at";

    private final Connection connection;

    StoredState(String sqliteUrl) throws SQLException {
        this.connection = DriverManager.getConnection(sqliteUrl);
    }

    /** Table → "rows:digest". */
    Map<String, String> snapshot() {
        Map<String, String> tables = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement()) {
            for (String table : TABLES) {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                int rows = 0;
                try (ResultSet rs = statement.executeQuery("SELECT * FROM " + table + " ORDER BY rowid")) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        rows++;
                        for (int c = 1; c <= columns; c++) {
                            if (TOUCHED_BY_ANY_REQUEST.equals(rs.getMetaData().getColumnName(c))) {
                                continue;
                            }
                            digest.update(String.valueOf(rs.getString(c)).getBytes(StandardCharsets.UTF_8));
                            digest.update((byte) 0);
                        }
                    }
                }
                tables.put(
                        table,
                        rows + ":" + HexFormat.of().formatHex(digest.digest()).substring(0, 16));
            }
        } catch (SQLException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return tables;
    }

    /** Jobs that are not finished: while there are any, stored data changes by itself. */
    int unfinishedJobs() {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running', 'retry_scheduled')")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
