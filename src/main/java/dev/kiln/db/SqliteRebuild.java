package dev.kiln.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * A SQLite migration that changes what {@code ALTER TABLE} cannot (a constraint), the way SQLite
 * documents it: with foreign keys off, in one transaction, each table is copied into a new one
 * made from its own stored definition with the change applied, the old one dropped, the new one
 * renamed, its indexes made again, and the foreign keys checked before the commit. Foreign keys
 * must be off: dropping a table a cascade points at would otherwise delete the rows that point.
 */
final class SqliteRebuild implements JavaMigration {

    private final MigrationVersion version;
    private final String description;
    private final Map<String, UnaryOperator<String>> changes;

    /** @param changes per table, how its {@code CREATE TABLE} text changes (must change it) */
    SqliteRebuild(String version, String description, Map<String, UnaryOperator<String>> changes) {
        this.version = MigrationVersion.fromVersion(version);
        this.description = description;
        this.changes = changes;
    }

    /** The rebuilds Kiln's SQLite schema has had. */
    static SqliteRebuild[] all() {
        return new SqliteRebuild[] {
            new SqliteRebuild(
                    "10",
                    "workers and fileless jobs",
                    Map.of(
                            "users",
                            sql -> sql.replace(
                                    "CHECK (role IN ('admin', 'member'))",
                                    "CHECK (role IN ('admin', 'member', 'worker'))"),
                            "jobs",
                            sql -> sql.replaceFirst(
                                    "input_file_id(\\s+)TEXT NOT NULL REFERENCES", "input_file_id$1TEXT REFERENCES")))
        };
    }

    @Override
    public MigrationVersion getVersion() {
        return version;
    }

    @Override
    public String getDescription() {
        return description;
    }

    @Override
    public Integer getChecksum() {
        // Sorted: Map.of iterates in an order salted per JVM, and each start must compute the same checksum.
        return (version + description + new TreeSet<>(changes.keySet())).hashCode();
    }

    @Override
    public boolean canExecuteInTransaction() {
        return false; // PRAGMA foreign_keys is ignored inside a transaction
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection connection = context.getConnection();
        boolean autoCommit = connection.getAutoCommit();
        try (Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute("PRAGMA foreign_keys = OFF");
            connection.setAutoCommit(false);
            try {
                for (Map.Entry<String, UnaryOperator<String>> change : changes.entrySet()) {
                    rebuild(statement, change.getKey(), change.getValue());
                }
                try (ResultSet broken = statement.executeQuery("PRAGMA foreign_key_check")) {
                    if (broken.next()) {
                        throw new SQLException("rebuilding left a broken foreign key in " + broken.getString(1));
                    }
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
                statement.execute("PRAGMA foreign_keys = ON");
            }
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    private static void rebuild(Statement statement, String table, UnaryOperator<String> change) throws SQLException {
        String definition = null;
        List<String> indexes = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery("SELECT type, sql FROM sqlite_schema WHERE tbl_name = '" + table
                + "' AND sql IS NOT NULL ORDER BY type DESC")) {
            while (rs.next()) {
                if (rs.getString(1).equals("table")) {
                    definition = rs.getString(2);
                } else if (rs.getString(1).equals("index")) {
                    indexes.add(rs.getString(2));
                }
            }
        }
        if (definition == null) {
            throw new SQLException("no table " + table + " to rebuild");
        }
        String changed = change.apply(definition);
        if (changed.equals(definition)) {
            throw new SQLException("the change to " + table + " found nothing to change in: " + definition);
        }
        String created =
                changed.replaceFirst("(?i)^CREATE TABLE\\s+" + table + "\\b", "CREATE TABLE " + table + "_new");
        statement.execute(created);
        statement.execute("INSERT INTO " + table + "_new SELECT * FROM " + table);
        statement.execute("DROP TABLE " + table);
        statement.execute("ALTER TABLE " + table + "_new RENAME TO " + table);
        for (String index : indexes) {
            statement.execute(index);
        }
    }
}
