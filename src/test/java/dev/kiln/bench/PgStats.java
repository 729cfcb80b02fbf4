package dev.kiln.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * What one run asked of PostgreSQL, per job, read from the server's statistics of the run's own (fresh) database once
 * the contestant's JVM has exited and its backends have flushed their counters: commits and rollbacks
 * ({@code pg_stat_database}), rows written, and — when the server loads {@code pg_stat_statements} and the admin
 * database has the extension — statements executed and the most frequent ones. Counts cover the whole life of the
 * contestant (schema migrations, set-up, the bench's progress polls), a few hundred statements beside the jobs' work.
 */
final class PgStats {

    private PgStats() {}

    static void print(String adminUrl, String database, int jobs, int top) throws SQLException, InterruptedException {
        Thread.sleep(1000); // backends flush their statistics as they exit
        try (Connection c = DriverManager.getConnection(adminUrl)) {
            try (PreparedStatement s = c.prepareStatement("""
                    SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted
                    FROM pg_stat_database WHERE datname = ?""")) {
                s.setString(1, database);
                try (ResultSet row = s.executeQuery()) {
                    row.next();
                    System.out.printf(
                            Locale.ROOT,
                            "      per job: %.2f commits, %.3f rollbacks, rows %.2f inserted, %.2f updated, %.2f deleted%n",
                            row.getLong(1) / (double) jobs,
                            row.getLong(2) / (double) jobs,
                            row.getLong(3) / (double) jobs,
                            row.getLong(4) / (double) jobs,
                            row.getLong(5) / (double) jobs);
                }
            }
            if (!hasStatements(c)) {
                System.out.println("      (no pg_stat_statements in the admin database: statements not counted)");
                return;
            }
            try (PreparedStatement s = c.prepareStatement("""
                    SELECT calls, total_exec_time, rows, query, SUM(calls) OVER () AS all_calls, SUM(total_exec_time) OVER () AS all_ms
                    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = ?)
                    ORDER BY calls DESC""")) {
                s.setString(1, database);
                try (ResultSet rows = s.executeQuery()) {
                    int shown = 0;
                    while (rows.next()) {
                        if (shown == 0) {
                            System.out.printf(
                                    Locale.ROOT,
                                    "      per job: %.2f statements, %.1f us of execution in PostgreSQL%n",
                                    rows.getLong(5) / (double) jobs,
                                    rows.getDouble(6) * 1000 / jobs);
                            System.out.printf(
                                    "      %9s %9s %9s  %s%n", "calls/job", "mean_us", "rows/call", "statement");
                        }
                        if (shown++ < top) {
                            long calls = rows.getLong(1);
                            System.out.printf(
                                    Locale.ROOT,
                                    "      %9.3f %9.0f %9.1f  %s%n",
                                    calls / (double) jobs,
                                    rows.getDouble(2) * 1000 / calls,
                                    rows.getLong(3) / (double) calls,
                                    shorten(rows.getString(4)));
                        }
                    }
                }
            }
        }
    }

    private static boolean hasStatements(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT to_regclass('pg_stat_statements') IS NOT NULL");
                ResultSet row = s.executeQuery()) {
            row.next();
            return row.getBoolean(1);
        }
    }

    private static String shorten(String sql) {
        String flat = sql.replaceAll("\\s+", " ").trim();
        return flat.length() > 150 ? flat.substring(0, 150) + "…" : flat;
    }
}
