package dev.kiln.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.Location;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a PostgreSQL node start again after a migration that is one {@code CREATE INDEX
 * CONCURRENTLY} (or {@code DROP INDEX CONCURRENTLY}) did not finish (docs/architecture.md,
 * "Migrations"). A build that is killed or fails leaves an INVALID index of its name behind and,
 * if it failed with an error, a failed row in Flyway's history.
 *
 * <p>Before validation, a failed row of such a migration is deleted, so the migration is pending
 * again: its one statement either changed nothing or left an invalid index. Nothing else is touched
 * (Flyway's {@code repair()} would also realign the checksums of applied migrations, hiding an edit
 * of a released one, and clear failures of migrations that may be half-applied).
 *
 * <p>Just before such a migration runs, inside Flyway's lock (held by the server process of any
 * build under way, until that build ends), an INVALID index of the name it creates is dropped. A
 * valid one never is. The migration's connection then runs without the role's or database's
 * {@code statement_timeout} and {@code lock_timeout} (a limit meant for the app's queries, which
 * would fail the same build at every start) and checks its client each second; after the
 * migration, failed or not, it gets back the values it had, since it returns to the app's pool.
 */
final class ConcurrentIndexRecovery implements Callback {

    private static final Logger log = LoggerFactory.getLogger(ConcurrentIndexRecovery.class);

    private static final String NAME = "((?:\"[^\"]+\"|\\w+)(?:\\.(?:\"[^\"]+\"|\\w+))?)";
    private static final Pattern CREATE = Pattern.compile(
            "CREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+CONCURRENTLY\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?" + NAME + "\\s+ON\\s.*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern DROP = Pattern.compile(
            "DROP\\s+INDEX\\s+CONCURRENTLY\\s+(?:IF\\s+EXISTS\\s+)?" + NAME + "(?:\\s+(?:CASCADE|RESTRICT))?",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /** The settings changed for the migration under way, with the values to put back. */
    private final Map<String, String> changed = new LinkedHashMap<>();

    @Override
    public boolean supports(Event event, Context context) {
        return event == Event.BEFORE_VALIDATE
                || event == Event.BEFORE_EACH_MIGRATE
                || event == Event.AFTER_EACH_MIGRATE
                || event == Event.AFTER_EACH_MIGRATE_ERROR;
    }

    @Override
    public boolean canHandleInTransaction(Event event, Context context) {
        return true;
    }

    @Override
    public void handle(Event event, Context context) {
        try {
            switch (event) {
                case BEFORE_VALIDATE -> clearFailedRows(context.getConfiguration(), context.getConnection());
                case BEFORE_EACH_MIGRATE -> prepare(context);
                default -> restore(context.getConnection());
            }
        } catch (SQLException e) {
            throw new FlywayException("Cannot recover an unfinished concurrent index migration: " + e.getMessage(), e);
        }
    }

    @Override
    public String getCallbackName() {
        return "kiln-concurrent-index-recovery";
    }

    private void prepare(Context context) throws SQLException {
        String script = context.getMigrationInfo().getScript();
        Optional<String> sql =
                sql(context.getConfiguration(), script).filter(ConcurrentIndexRecovery::isConcurrentIndexOnly);
        if (sql.isEmpty()) {
            return;
        }
        Connection c = context.getConnection();
        try {
            unbound(c);
            Optional<String> index = createdIndex(sql.get());
            if (index.isPresent()) {
                dropIfInvalid(c, index.get(), script);
            }
        } catch (SQLException | RuntimeException e) {
            restore(c); // Flyway sends no AFTER_EACH_MIGRATE_ERROR for a failure before the migration
            throw e;
        }
    }

    /**
     * No statement or lock timeout, and a check of the client each second. A server process does
     * not notice mid-statement that its client died: a killed node's build would go on, holding
     * Flyway's lock, and end with a valid index Flyway never recorded, on which the migration fails
     * at every start. Checked each second, the build ends with its node, leaving an invalid index.
     * The check is PostgreSQL 14+ (elsewhere it is left out).
     */
    private void unbound(Connection c) throws SQLException {
        restore(c);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("statement_timeout", "0");
        settings.put("lock_timeout", "0");
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT current_setting('client_connection_check_interval', true) IS NOT NULL")) {
            if (rs.next() && rs.getBoolean(1)) {
                settings.put("client_connection_check_interval", "1s");
            }
        }
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            changed.put(setting.getKey(), set(c, setting.getKey(), setting.getValue()));
        }
    }

    /** Puts back what {@link #unbound} changed. Never throws: Flyway's own outcome comes first. */
    private void restore(Connection c) {
        try {
            for (Map.Entry<String, String> setting : changed.entrySet()) {
                set(c, setting.getKey(), setting.getValue());
            }
        } catch (SQLException e) {
            // A SET fails on a lost connection, which Hikari evicts on that error.
            log.warn("Could not restore the settings {} of the migration's connection: {}", changed, e.getMessage());
        } finally {
            changed.clear();
        }
    }

    /** Sets {@code name} for the session and returns its value before. */
    private static String set(Connection c, String name, String value) throws SQLException {
        String before;
        try (PreparedStatement read = c.prepareStatement("SELECT current_setting(?)")) {
            read.setString(1, name);
            try (ResultSet rs = read.executeQuery()) {
                rs.next();
                before = rs.getString(1);
            }
        }
        try (PreparedStatement write = c.prepareStatement("SELECT set_config(?, ?, false)")) {
            write.setString(1, name);
            write.setString(2, value);
            write.execute();
        }
        return before;
    }

    private static void clearFailedRows(Configuration configuration, Connection c) throws SQLException {
        String history;
        try (PreparedStatement find = c.prepareStatement("SELECT to_regclass(quote_ident(?))::text")) {
            find.setString(1, configuration.getTable());
            try (ResultSet rs = find.executeQuery()) {
                history = rs.next() ? rs.getString(1) : null;
            }
        }
        if (history == null) {
            return;
        }
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT installed_rank, version, script, installed_on, execution_time FROM "
                                + history + " WHERE NOT success");
                PreparedStatement delete =
                        c.prepareStatement("DELETE FROM " + history + " WHERE installed_rank = ? AND NOT success")) {
            while (rs.next()) {
                String script = rs.getString("script");
                if (sql(configuration, script)
                        .filter(ConcurrentIndexRecovery::isConcurrentIndexOnly)
                        .isPresent()) {
                    // Nothing remembers earlier failures once the row is gone: every one is told.
                    log.error(
                            "Migration {} ({}) failed at {} after {} ms; it is one concurrent index statement, so its"
                                    + " failed row is removed and it runs again now, holding the migration lock"
                                    + " (other nodes wait) until it ends. Its error is in the log of the node"
                                    + " that ran it. If this is logged at every start, the failure is lasting"
                                    + " and each start rebuilds in vain: fix what that error names (duplicates"
                                    + " for a unique index, disk space, a tool that cancels long statements),"
                                    + " then start again (docs/architecture.md, Migrations)",
                            rs.getString("version"),
                            script,
                            rs.getTimestamp("installed_on"),
                            rs.getInt("execution_time"));
                    delete.setInt(1, rs.getInt("installed_rank"));
                    delete.executeUpdate();
                }
            }
        }
    }

    private static void dropIfInvalid(Connection c, String index, String script) throws SQLException {
        try (PreparedStatement find = c.prepareStatement("""
                SELECT indexrelid::regclass::text FROM pg_index
                WHERE indexrelid = to_regclass(?::text) AND NOT indisvalid""")) {
            find.setString(1, index);
            try (ResultSet rs = find.executeQuery()) {
                if (rs.next()) {
                    log.warn(
                            "Dropping the invalid index {} left by an unfinished run of {}, which builds it again",
                            rs.getString(1),
                            script);
                    try (Statement drop = c.createStatement()) {
                        drop.execute("DROP INDEX CONCURRENTLY IF EXISTS " + rs.getString(1));
                    }
                }
            }
        }
    }

    /** The text of a migration script found in the configured classpath locations. */
    private static Optional<String> sql(Configuration configuration, String script) {
        if (script == null) {
            return Optional.empty();
        }
        for (Location location : configuration.getLocations()) {
            if (!location.isClassPath()) {
                continue;
            }
            String path = location.getPath().isEmpty() ? script : location.getPath() + "/" + script;
            try (InputStream in = configuration.getClassLoader().getResourceAsStream(path)) {
                if (in != null) {
                    return Optional.of(new String(in.readAllBytes(), configuration.getEncoding()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Optional.empty();
    }

    /** The index a script creates, if it is one {@code CREATE INDEX CONCURRENTLY}. */
    static Optional<String> createdIndex(String sql) {
        List<String> statements = statements(sql);
        if (statements.size() != 1) {
            return Optional.empty();
        }
        Matcher create = CREATE.matcher(statements.getFirst());
        return create.matches() ? Optional.of(create.group(1)) : Optional.empty();
    }

    static boolean isConcurrentIndexOnly(String sql) {
        List<String> statements = statements(sql);
        return statements.size() == 1
                && (CREATE.matcher(statements.getFirst()).matches()
                        || DROP.matcher(statements.getFirst()).matches());
    }

    /** Statements without comments; an index statement has no semicolon or comment marker in a string. */
    private static List<String> statements(String sql) {
        String code = sql.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("--[^\\n]*", "");
        return Stream.of(code.split(";"))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
