package dev.kiln.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;
import org.sqlite.Function;
import org.sqlite.JDBC;

/**
 * SQLite's driver with {@code lower()} made Unicode-aware on every connection it opens. SQLite's own
 * folds ASCII letters only (it is built without ICU), so a case-blind name filter would miss
 * {@code Übersicht.pdf} for {@code übersicht} where PostgreSQL finds it. No index or view may use
 * {@code lower()}: a connection without this driver (the sqlite3 shell) would disagree with it.
 */
public final class SqliteDriver extends JDBC {

    static {
        // Registered, so the pool finds it by name rather than warning and making its own.
        try {
            DriverManager.registerDriver(new SqliteDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        Connection connection = super.connect(url, info);
        if (connection != null) {
            // One instance per connection: a Function holds the native call it is answering.
            Function.create(connection, "lower", new UnicodeLower(), 1, Function.FLAG_DETERMINISTIC);
        }
        return connection;
    }

    /** Lower-cases as {@link dev.kiln.files.FileCatalog#namePattern} does the text looked for. */
    private static final class UnicodeLower extends Function {
        @Override
        protected void xFunc() throws SQLException {
            String text = value_text(0);
            if (text == null) {
                result();
            } else {
                result(text.toLowerCase(Locale.ROOT));
            }
        }
    }
}
