package dev.kiln.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import dev.kiln.testing.TestDatabases;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An upgrade of a database that already holds a million jobs: the database is migrated to the
 * version before the newest, loaded in bulk (jobs in every state, most finished, as a queue that
 * has run for a while), then the remaining migrations run while another connection keeps
 * submitting, claiming and finishing jobs. The writes must not wait long, and no row changes.
 * {@code -Dkiln.migration-test.jobs=N} loads another number of jobs.
 */
abstract class MigrationUnderLoadContract {

    static final int JOBS = Integer.getInteger("kiln.migration-test.jobs", 1_000_000);
    /** The writer's jobs, told apart from the loaded ones (whose ids never have a 'k' there). */
    private static final String WRITER_PREFIX = "job_k";

    /**
     * A job's state from its number {@code g}: of each thousand, 900 succeeded, 40 failed, 10
     * cancelled, 40 queued, 5 waiting to retry, 5 running.
     */
    static final String STATES = """
            CASE WHEN g % 1000 < 900 THEN 'succeeded' WHEN g % 1000 < 940 THEN 'failed'
                 WHEN g % 1000 < 950 THEN 'cancelled' WHEN g % 1000 < 990 THEN 'queued'
                 WHEN g % 1000 < 995 THEN 'retry_scheduled' ELSE 'running' END""";

    private String url;
    private HikariDataSource dataSource;

    abstract TestDatabases.Kind kind();

    /** Statements that add {@code jobs} jobs (and a thousand owners with a file each) in one transaction. */
    abstract List<String> bulkLoad(int jobs);

    /** Test-only migrations run after Kiln's own, e.g. an index built on the loaded table. */
    abstract List<String> extraLocations();

    /** The longest any write may wait while the migrations run. */
    abstract Duration longestWrite();

    /** Removes the database when the test is done (a million jobs take half a gigabyte). */
    abstract void drop(String url);

    @AfterEach
    void close() {
        if (dataSource != null) {
            dataSource.close();
            drop(url);
        }
    }

    @Test
    void theNewestMigrationsRunOnAMillionJobsWhileWritesGoOn() throws Exception {
        url = TestDatabases.fresh(kind());
        dataSource = Databases.pool(DatabaseSettings.forUrl(url, 4), new KilnHome(TestDatabases.tempDir("kiln-home-")));
        Dialect dialect = Dialect.forUrl(url);
        MigrationInfo[] all =
                Databases.flyway(dataSource, dialect).load().info().all();
        String previous = all[all.length - 2].getVersion().getVersion();
        Databases.flyway(dataSource, dialect).target(previous).load().migrate();

        long loadStart = System.nanoTime();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (String statement : bulkLoad(JOBS)) {
                s.execute(statement);
            }
            c.commit();
        }
        Duration load = Duration.ofNanos(System.nanoTime() - loadStart);
        List<String> before = fingerprint();
        assertThat(before).as("the loaded jobs").isNotEmpty();

        List<String> locations = new ArrayList<>(List.of("classpath:db/migration/" + dialect.name()));
        locations.addAll(extraLocations());
        MigrateResult result;
        Writer writer = new Writer();
        Thread writing = Thread.ofPlatform().name("writer").start(writer);
        try {
            assertThat(writer.warmedUp.await(60, TimeUnit.SECONDS))
                    .as("the writer writes")
                    .isTrue();
            writer.measuring = true;
            long migrateStart = System.nanoTime();
            result = Databases.flyway(dataSource, dialect)
                    .locations(locations.toArray(String[]::new))
                    .load()
                    .migrate();
            writer.migration = Duration.ofNanos(System.nanoTime() - migrateStart);
            writer.measuring = false;
        } finally {
            writer.stop = true;
            writing.join(60_000);
        }
        assertThat(writer.failure).as("the writer's statements all succeeded").isNull();

        System.out.printf(
                "%s, %,d jobs: loaded in %d ms; migrations %s ran in %d ms while %,d writes went on, the longest %d ms%n",
                kind(),
                JOBS,
                load.toMillis(),
                result.migrations.stream().map(m -> m.version).toList(),
                writer.migration.toMillis(),
                writer.duringMigration.get(),
                writer.longest.get() / 1_000_000);
        assertThat(result.migrations)
                .as("the newest migration ran")
                .anyMatch(m -> m.version.equals(all[all.length - 1].getVersion().getVersion()));
        MigrationInfoService after = Databases.flyway(dataSource, dialect)
                .locations(locations.toArray(String[]::new))
                .load()
                .info();
        assertThat(after.pending()).as("migrations left").isEmpty();
        assertThat(after.applied()).as("applied migrations").allMatch(m -> m.getState() == MigrationState.SUCCESS);
        assertThat(writer.duringMigration.get())
                .as("writes went on during the migration")
                .isPositive();
        assertThat(Duration.ofNanos(writer.longest.get()))
                .as("the longest write during the migration")
                .isLessThan(longestWrite());
        assertThat(fingerprint()).as("the loaded jobs, unchanged").isEqualTo(before);
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM jobs WHERE id LIKE '" + WRITER_PREFIX + "%' AND state = 'succeeded'")) {
            rs.next();
            assertThat(rs.getLong(1)).as("every job the writer finished").isEqualTo(writer.finished.get());
        }
    }

    /** Per state: how many loaded jobs, and sums over their columns. */
    private List<String> fingerprint() throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT state, count(*), sum(fair_key), sum(run_after), sum(seq), sum(attempt),
                               count(lease_token), count(cancel_requested_at), sum(length(id)), sum(length(owner_id))
                        FROM jobs WHERE id NOT LIKE '%s%%' GROUP BY state ORDER BY state""".formatted(WRITER_PREFIX))) {
            while (rs.next()) {
                StringBuilder line = new StringBuilder();
                for (int i = 1; i <= 10; i++) {
                    line.append(rs.getString(i)).append(' ');
                }
                lines.add(line.toString().strip());
            }
        }
        return lines;
    }

    /**
     * Submits, claims and finishes one job after another on a connection of its own, as a node
     * does, timing each statement.
     */
    private final class Writer implements Runnable {

        final CountDownLatch warmedUp = new CountDownLatch(1);
        final AtomicLong longest = new AtomicLong();
        final AtomicLong duringMigration = new AtomicLong();
        final AtomicLong finished = new AtomicLong();
        volatile boolean measuring;
        volatile boolean stop;
        volatile Duration migration;
        volatile Throwable failure;

        @Override
        public void run() {
            try (Connection c = DriverManager.getConnection(url)) {
                if (kind() == TestDatabases.Kind.SQLITE) {
                    try (Statement s = c.createStatement()) {
                        s.execute("PRAGMA busy_timeout = 60000");
                        s.execute("PRAGMA foreign_keys = ON");
                    }
                }
                String owner;
                String file;
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT owner_id, input_file_id FROM jobs LIMIT 1")) {
                    rs.next();
                    owner = rs.getString(1);
                    file = rs.getString(2);
                }
                try (PreparedStatement submit = c.prepareStatement("""
                        INSERT INTO jobs (id, owner_id, type, input_file_id, params, priority, state, fair_key, run_after,
                                          max_attempts, seq, created_at)
                        VALUES (?, ?, 'extract', ?, '{}', 0, 'queued', ?, ?, 3, 1, ?)""");
                        PreparedStatement claim = c.prepareStatement("""
                                UPDATE jobs SET state = 'running', attempt = attempt + 1, seq = seq + 1, lease_token = 't',
                                       lease_node = 'writer', lease_expires_at = ?, started_at = ?
                                WHERE id = ? AND state = 'queued'""");
                        PreparedStatement finish = c.prepareStatement("""
                                UPDATE jobs SET state = 'succeeded', progress = 1, finished_at = ?, seq = seq + 1,
                                       lease_token = NULL, lease_node = NULL, lease_expires_at = NULL
                                WHERE id = ? AND lease_token = 't' AND state = 'running'""")) {
                    for (long n = 1; !stop; n++) {
                        String id = WRITER_PREFIX + String.format("%025d", n);
                        long now = System.currentTimeMillis();
                        time(() -> {
                            submit.setString(1, id);
                            submit.setString(2, owner);
                            submit.setString(3, file);
                            submit.setLong(4, now);
                            submit.setLong(5, now);
                            submit.setLong(6, now);
                            return submit.executeUpdate();
                        });
                        time(() -> {
                            claim.setLong(1, now + 15_000);
                            claim.setLong(2, now);
                            claim.setString(3, id);
                            return claim.executeUpdate();
                        });
                        int done = time(() -> {
                            finish.setLong(1, now);
                            finish.setString(2, id);
                            return finish.executeUpdate();
                        });
                        finished.addAndGet(done);
                        if (n == 20) {
                            warmedUp.countDown();
                        }
                    }
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        private int time(Write write) throws SQLException {
            boolean counted = measuring;
            long start = System.nanoTime();
            int rows = write.run();
            if (counted) {
                longest.accumulateAndGet(System.nanoTime() - start, Math::max);
                duringMigration.incrementAndGet();
            }
            return rows;
        }
    }

    @FunctionalInterface
    private interface Write {
        int run() throws SQLException;
    }
}
