package dev.kiln.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import dev.kiln.testing.TestDatabases;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Why {@link Databases#flyway} takes Flyway's session-level lock on PostgreSQL: with Flyway's
 * default (a lock held by an open transaction), a CREATE INDEX CONCURRENTLY migration waits for
 * that transaction, which waits for the migration. Kiln's configuration lets the same migration
 * finish.
 */
class PostgresMigrationLockTest {

    private static final String LOCATION = "classpath:db/test-migration/lock";

    private final ExecutorService migrator = Executors.newSingleThreadExecutor();
    private HikariDataSource dataSource;

    @AfterEach
    void close() {
        migrator.shutdownNow();
        if (dataSource != null) {
            dataSource.close();
        }
    }

    @Test
    void withFlywaysDefaultLockAConcurrentIndexWaitsForFlywayItself() throws Exception {
        String url = open();
        CompletableFuture<Void> migration = CompletableFuture.runAsync(
                () -> Flyway.configure()
                        .dataSource(dataSource)
                        .locations(LOCATION)
                        .load()
                        .migrate(),
                migrator);

        // The index build waits on a transaction (a virtualxid lock): Flyway's own lock holder.
        int waiting = await().atMost(Duration.ofSeconds(30))
                .until(() -> waitingIndexBuild(url), Optional::isPresent)
                .orElseThrow();
        assertThat(migration).isNotDone();
        TestDatabases.postgresAdmin("SELECT pg_cancel_backend(" + waiting + ")");
        assertThat(migration).failsWithin(Duration.ofSeconds(30));
    }

    @Test
    void withKilnsLockAConcurrentIndexMigrationFinishes() throws Exception {
        open();
        CompletableFuture<Void> migration = CompletableFuture.runAsync(
                () -> Databases.flyway(dataSource, new PostgresDialect())
                        .locations(LOCATION)
                        .load()
                        .migrate(),
                migrator);
        assertThat(migration).succeedsWithin(Duration.ofSeconds(60));
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'lock_test_by_id'::regclass")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).as("the index was built and is valid").isTrue();
        }
    }

    private String open() {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        dataSource = Databases.pool(DatabaseSettings.forUrl(url, 4), new KilnHome(TestDatabases.tempDir("kiln-home-")));
        return url;
    }

    /** The backend building the index, if it is waiting for another transaction to end. */
    private static Optional<Integer> waitingIndexBuild(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT pid FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid()
                          AND query LIKE '%CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'
                          AND wait_event = 'virtualxid'""")) {
            return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
        }
    }
}
