package dev.kiln.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import dev.kiln.support.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.StringUtils;

/** Opens Kiln's database: the connection pool for the configured URL, then its migrations. */
public final class Databases {

    private static final Logger log = LoggerFactory.getLogger(Databases.class);

    private Databases() {}

    public static HikariDataSource pool(DatabaseSettings settings, KilnHome home) {
        String url = url(settings, home);
        Dialect dialect = Dialect.forUrl(url);
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("kiln-db");
        pool.setJdbcUrl(url);
        pool.setUsername(settings.username());
        pool.setPassword(settings.password());
        pool.setMaximumPoolSize(settings.poolSize());
        pool.setConnectionTimeout(5_000);
        dialect.configure(pool);
        log.info("Database: {} ({})", dialect.name(), Secrets.redact(url));
        return new HikariDataSource(pool);
    }

    /** Brings the schema up to date and returns the database ready for use, content locks as by default. */
    public static Database migrate(HikariDataSource dataSource) {
        return migrate(dataSource, DatabaseSettings.forUrl(dataSource.getJdbcUrl(), dataSource.getMaximumPoolSize()));
    }

    /**
     * Brings the schema up to date and returns the database ready for use; on PostgreSQL with its
     * content locks' own pool as {@code settings} say (see {@link Database#underContentLock}).
     */
    public static Database migrate(HikariDataSource dataSource, DatabaseSettings settings) {
        Dialect dialect = Dialect.forUrl(dataSource.getJdbcUrl());
        flyway(dataSource, dialect).load().migrate();
        // Only where several nodes share the database is there a lock to take.
        ContentLocks contentLocks = dialect.transactionLockSql() == null
                ? null
                : new ContentLocks(
                        dataSource,
                        dialect.transactionLockSql(),
                        settings.contentLockConnections(),
                        settings.contentLockWait());
        return new Database(dialect, dataSource, contentLocks);
    }

    /**
     * Kiln's migrations for {@code dialect}, as every node runs them (see "Migrations" in
     * docs/architecture.md). On PostgreSQL an index on a table in use is built or dropped
     * CONCURRENTLY in a migration of its own, which Flyway runs outside a transaction. Flyway's
     * default lock there is an advisory lock held by an open transaction on its other connection,
     * and CONCURRENTLY waits for every open transaction to end: it would wait for that one forever.
     * The session-level lock holds no transaction open. A node that finds another migrating polls
     * the lock each second until that node is done, however long its index takes. A concurrent
     * build that did not finish is recovered by {@link ConcurrentIndexRecovery}.
     */
    static FluentConfiguration flyway(DataSource dataSource, Dialect dialect) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration/" + dialect.name())
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
                // A migration mixing CONCURRENTLY with transactional statements is refused, not half-applied.
                .mixed(false)
                .lockRetryCount(-1)
                .callbacks(
                        dialect instanceof PostgresDialect
                                ? new Callback[] {new ConcurrentIndexRecovery()}
                                : new Callback[0])
                .javaMigrations(dialect instanceof SqliteDialect ? SqliteRebuild.all() : new SqliteRebuild[0]);
    }

    /** The configured JDBC URL, or the embedded SQLite file in the data directory. */
    public static String url(DatabaseSettings settings, KilnHome home) {
        return StringUtils.hasText(settings.url()) ? settings.url() : embeddedSqliteUrl(home);
    }

    private static String embeddedSqliteUrl(KilnHome home) {
        try {
            Files.createDirectories(home.home());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot create the data directory " + home.home().toAbsolutePath(), e);
        }
        return "jdbc:sqlite:" + home.resolve("kiln.db").toAbsolutePath().normalize();
    }
}
