package dev.kiln.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.KilnHome;
import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A CONCURRENTLY index migration that did not finish leaves an INVALID index of its name (and,
 * when it failed with an error, a failed row in Flyway's history); the next start recovers by
 * itself ({@link ConcurrentIndexRecovery}). The invalid indexes here are made for real: the build
 * waits for a transaction that writes the table, and a lock_timeout, a cancel or a kill -9 ends it.
 */
class PostgresConcurrentIndexRecoveryTest {

    private static final String V26 =
            "CREATE INDEX CONCURRENTLY jobs_by_input_file_age ON jobs (input_file_id, created_at, id) WHERE input_file_id IS NOT NULL";
    private static final String V26_DEFINITION =
            "CREATE INDEX jobs_by_input_file_age ON public.jobs USING btree (input_file_id, created_at, id) WHERE (input_file_id IS NOT NULL)";

    private final ExecutorService background = Executors.newFixedThreadPool(2);
    private final List<AutoCloseable> closing = new ArrayList<>();
    private String url;
    private HikariDataSource dataSource;

    @AfterEach
    void close() throws Exception {
        background.shutdownNow();
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    /** A node killed mid-build (or a server restart) leaves an invalid index and no row at all. */
    @Test
    void anInvalidIndexLeftWithoutARowIsDroppedAndBuiltAgain() throws Exception {
        open();
        migrate("25.1");
        try (Connection blocker = writing("jobs")) {
            assertThatThrownBy(() -> executeWithLockTimeout(V26)).hasMessageContaining("lock timeout");
        }
        assertThat(index("jobs_by_input_file_age"))
                .hasValueSatisfying(i -> assertThat(i.valid()).isFalse());

        migrate(null);

        Index rebuilt = index("jobs_by_input_file_age").orElseThrow();
        assertThat(rebuilt.valid()).isTrue();
        assertThat(rebuilt.definition()).isEqualTo(V26_DEFINITION);
        assertThat(history("26")).containsExactly(true);
    }

    /** A build that ends in an error is recorded as failed by Flyway, and runs again at the next start. */
    @Test
    void aFailedConcurrentMigrationRunsAgain() throws Exception {
        open();
        migrate("22.2");
        try (Connection blocker = writing("files")) {
            CompletableFuture<MigrateResult> run = CompletableFuture.supplyAsync(() -> migrate(null), background);
            await().atMost(Duration.ofSeconds(30)).until(() -> activity("%CREATE INDEX CONCURRENTLY%") == 1);
            execute("SELECT pg_cancel_backend(" + buildPid() + ")");
            assertThatThrownBy(run::join).hasStackTraceContaining("canceling statement due to user request");
        }
        assertThat(history("23")).as("Flyway's row for V23").containsExactly(false);
        MigrationInfo v23 = java.util.Arrays.stream(flywayInfo())
                .filter(m ->
                        m.getVersion() != null && m.getVersion().getVersion().equals("23"))
                .findFirst()
                .orElseThrow();
        assertThat(v23.getState()).isEqualTo(MigrationState.FAILED);
        assertThat(index("files_by_content"))
                .hasValueSatisfying(i -> assertThat(i.valid()).isFalse());

        MigrateResult result = migrate(null);

        assertThat(result.success).isTrue();
        Index rebuilt = index("files_by_content").orElseThrow();
        assertThat(rebuilt.valid()).isTrue();
        assertThat(rebuilt.definition())
                .isEqualTo("CREATE INDEX files_by_content ON public.files USING btree (sha256, owner_id)");
        assertThat(history("23")).as("V23 recorded once, as a success").containsExactly(true);
        assertThat(flywayInfo()).allMatch(m -> m.getState() == MigrationState.SUCCESS);
    }

    /**
     * The database's statement_timeout and lock_timeout (an operator's limit for the app's queries)
     * are shorter than the build: it must not end the build, or it would fail the same way at every
     * start.
     */
    @Test
    void aDatabaseTimeoutShorterThanTheBuildDoesNotEndIt() throws Exception {
        open();
        migrate("25.1");
        setForDatabase("statement_timeout", "2s");
        setForDatabase("lock_timeout", "1s");
        HikariDataSource timed = pool();
        closing.add(timed);
        Connection blocker = writing("jobs");
        CompletableFuture<MigrateResult> run = CompletableFuture.supplyAsync(
                () -> Databases.flyway(timed, new PostgresDialect()).load().migrate(), background);
        await().atMost(Duration.ofSeconds(30)).until(() -> activity("%CREATE INDEX CONCURRENTLY%") == 1);

        await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).until(() -> true);
        assertThat(run).as("the build, waiting past both timeouts").isNotDone();
        blocker.rollback();

        assertThat(run).succeedsWithin(Duration.ofSeconds(60));
        assertThat(index("jobs_by_input_file_age").orElseThrow().valid()).isTrue();
        assertThat(history("26")).containsExactly(true);
    }

    /** The connection that ran the build goes back to the app's pool with the settings it had. */
    @Test
    void theBuildsConnectionGoesBackToThePoolAsItWas() throws Exception {
        open();
        migrate("25.1");
        setForDatabase("statement_timeout", "1h");
        setForDatabase("lock_timeout", "10min");
        HikariDataSource app = pool();
        closing.add(app);
        Map<String, String> before;
        try (Connection c = app.getConnection()) {
            before = settings(c);
        }
        assertThat(before).containsEntry("statement_timeout", "1h").containsEntry("lock_timeout", "10min");
        Connection blocker = writing("jobs");
        CompletableFuture<MigrateResult> run = CompletableFuture.supplyAsync(
                () -> Databases.flyway(app, new PostgresDialect()).load().migrate(), background);
        await().atMost(Duration.ofSeconds(30)).until(() -> activity("%CREATE INDEX CONCURRENTLY%") == 1);
        int builder = buildPid();
        blocker.rollback();
        assertThat(run).succeedsWithin(Duration.ofSeconds(60));

        List<Connection> all = new ArrayList<>();
        try {
            for (int i = 0; i < app.getMaximumPoolSize(); i++) {
                all.add(app.getConnection());
            }
            Connection used = all.stream()
                    .filter(c -> backendPid(c) == builder)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("the build's connection is not in the pool"));
            assertThat(settings(used)).isEqualTo(before);
        } finally {
            for (Connection c : all) {
                c.close();
            }
        }
    }

    /** A valid index of the name is never dropped: the migration fails as before, and the index stays. */
    @Test
    void aValidIndexOfAPendingMigrationIsKept() throws Exception {
        open();
        migrate("25.1");
        execute("CREATE INDEX jobs_by_input_file_age ON jobs (input_file_id, created_at, id)");
        Index before = index("jobs_by_input_file_age").orElseThrow();

        assertThatThrownBy(() -> migrate(null)).hasStackTraceContaining("already exists");

        assertThat(index("jobs_by_input_file_age")).contains(before);
    }

    /** A node killed after V26_1's drop ended but before Flyway wrote its row: the next start runs it again. */
    @Test
    void aDropThatEndedBeforeItsRowWasWrittenRunsAgain() throws Exception {
        open();
        migrate("26");
        execute("DROP INDEX CONCURRENTLY jobs_by_input_file");

        migrate(null);

        assertThat(index("jobs_by_input_file")).isEmpty();
        assertThat(index("jobs_by_input_file_age")).isPresent();
    }

    @Test
    void migratingAMigratedDatabaseChangesNoIndex() throws Exception {
        open();
        migrate(null);
        List<Index> before = indexes();

        assertThat(migrate(null).migrationsExecuted).isZero();

        assertThat(indexes()).isEqualTo(before).isNotEmpty().allMatch(Index::valid);
    }

    /**
     * kill -9 of a node mid-build. Its server process, left alone, would finish the build with the
     * node gone (an index Flyway never recorded, failing the migration at every start); it notices
     * the dead client instead, and the restart drops the invalid index and builds it.
     */
    @Test
    void aNodeKilledMidBuildStartsAgain() throws Exception {
        open();
        migrate("25.1");
        Connection blocker = writing("jobs");
        Process node = startNode();
        await().atMost(Duration.ofSeconds(90)).until(() -> activity("%CREATE INDEX CONCURRENTLY%") == 1);

        node.destroyForcibly().waitFor();

        await().atMost(Duration.ofSeconds(10))
                .alias("the killed node's build ended")
                .until(() -> activity("%CREATE INDEX CONCURRENTLY%") == 0);
        assertThat(index("jobs_by_input_file_age"))
                .hasValueSatisfying(i -> assertThat(i.valid()).isFalse());
        assertThat(history("26")).isEmpty();
        blocker.rollback();

        Process restarted = startNode();
        assertThat(restarted.waitFor(120, TimeUnit.SECONDS))
                .as("the restart finished")
                .isTrue();
        assertThat(restarted.exitValue()).as("the restart's exit code").isZero();
        Index rebuilt = index("jobs_by_input_file_age").orElseThrow();
        assertThat(rebuilt.valid()).isTrue();
        assertThat(rebuilt.definition()).isEqualTo(V26_DEFINITION);
        assertThat(history("26")).containsExactly(true);
    }

    /** A node that starts while another builds the index waits for Flyway's lock and drops nothing. */
    @Test
    void anIndexAnotherNodeIsBuildingIsLeftAlone() throws Exception {
        open();
        migrate("25.1");
        Connection blocker = writing("jobs");
        CompletableFuture<MigrateResult> first = CompletableFuture.supplyAsync(() -> migrate(null), background);
        await().atMost(Duration.ofSeconds(30)).until(() -> activity("%CREATE INDEX CONCURRENTLY%") == 1);
        Index building = index("jobs_by_input_file_age").orElseThrow();

        CompletableFuture<MigrateResult> second = CompletableFuture.supplyAsync(() -> migrate(null), background);
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
        assertThat(second).isNotDone();
        assertThat(index("jobs_by_input_file_age")).contains(building);
        assertThat(activity("%DROP INDEX%")).as("DROPs issued").isZero();
        blocker.rollback();

        assertThat(first).succeedsWithin(Duration.ofSeconds(60));
        assertThat(second).succeedsWithin(Duration.ofSeconds(60));
        assertThat(index("jobs_by_input_file_age").map(Index::oid)).contains(building.oid());
        assertThat(index("jobs_by_input_file_age").orElseThrow().valid()).isTrue();
        assertThat(history("26")).containsExactly(true);
    }

    /** The recovery reads the scripts: which of Kiln's migrations it recognises, and what they create. */
    @Test
    void theConcurrentMigrationsAreFoundInTheirScripts() throws IOException {
        Map<String, String> created = new TreeMap<>();
        List<String> concurrent = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration/postgresql"))) {
            for (Path file : files.sorted().toList()) {
                String sql = Files.readString(file);
                String name = file.getFileName().toString();
                if (ConcurrentIndexRecovery.isConcurrentIndexOnly(sql)) {
                    concurrent.add(name);
                }
                ConcurrentIndexRecovery.createdIndex(sql).ifPresent(index -> created.put(name, index));
            }
        }
        assertThat(created)
                .containsExactly(
                        entry("V14_1__jobs_by_input.sql", "jobs_by_input"),
                        entry("V16_1__jobs_by_reuse_key.sql", "jobs_by_reuse_key"),
                        entry("V18_1__jobs_by_batch.sql", "jobs_by_batch"),
                        entry("V22_1__search_segments_by_config.sql", "search_segments_by_config"),
                        entry("V23__files_by_content.sql", "files_by_content"),
                        entry("V25__jobs_by_input_file.sql", "jobs_by_input_file"),
                        entry("V26__jobs_by_input_file_age.sql", "jobs_by_input_file_age"));
        List<String> expected = new ArrayList<>(created.keySet());
        expected.addAll(List.of(
                "V9__drop_jobs_by_node.sql", "V25_1__drop_jobs_by_input.sql", "V26_1__drop_jobs_by_input_file.sql"));
        assertThat(concurrent).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(ConcurrentIndexRecovery.isConcurrentIndexOnly(
                        "ALTER TABLE jobs ADD COLUMN node TEXT; CREATE INDEX CONCURRENTLY jobs_node ON jobs (node);"))
                .as("a script with another statement")
                .isFalse();
    }

    record Index(long oid, String name, boolean valid, String definition) {}

    private void open() {
        url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        dataSource = pool();
        closing.add(dataSource);
    }

    /** {@link MigratingNode} in a JVM of its own, logging beside the test reports. */
    private Process startNode() throws IOException {
        Path log = Files.createTempFile(
                Files.createDirectories(Path.of("target", "kiln-processes")), "migrating-node-", ".log");
        Process node = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                        MigratingNode.class.getName(),
                        url,
                        TestDatabases.tempDir("kiln-home-").toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        closing.add(node::destroyForcibly);
        return node;
    }

    private HikariDataSource pool() {
        return Databases.pool(DatabaseSettings.forUrl(url, 4), new KilnHome(TestDatabases.tempDir("kiln-home-")));
    }

    /** Kiln's migrations up to {@code target} (all of them when null), as a node runs them. */
    private MigrateResult migrate(String target) {
        var flyway = Databases.flyway(dataSource, new PostgresDialect());
        return (target == null ? flyway : flyway.target(target)).load().migrate();
    }

    private MigrationInfo[] flywayInfo() {
        return Databases.flyway(dataSource, new PostgresDialect()).load().info().all();
    }

    /** An open transaction that writes {@code table}: a concurrent build waits for it to end. */
    private Connection writing(String table) throws SQLException {
        Connection c = DriverManager.getConnection(url);
        closing.add(c);
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE " + table + " IN ROW EXCLUSIVE MODE");
        }
        return c;
    }

    private void executeWithLockTimeout(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute("SET lock_timeout = '1s'");
            s.execute(sql);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            execute(c, sql);
        }
    }

    private static void execute(Connection c, String sql) {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private Optional<Index> index(String name) throws SQLException {
        List<Index> found = indexes("i.indexrelid = to_regclass('" + name + "')");
        return found.stream().findFirst();
    }

    private List<Index> indexes() throws SQLException {
        return indexes("c.relnamespace = 'public'::regnamespace");
    }

    private List<Index> indexes(String where) throws SQLException {
        List<Index> found = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT i.indexrelid::bigint, c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid)
                        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                        WHERE %s ORDER BY c.relname""".formatted(where))) {
            while (rs.next()) {
                found.add(new Index(rs.getLong(1), rs.getString(2), rs.getBoolean(3), rs.getString(4)));
            }
        }
        return found;
    }

    /** Flyway's rows for {@code version}: whether each succeeded. */
    private List<Boolean> history(String version) throws SQLException {
        List<Boolean> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement s = c.prepareStatement(
                        "SELECT success FROM flyway_schema_history WHERE version = ? ORDER BY installed_rank")) {
            s.setString(1, version);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getBoolean(1));
                }
            }
        }
        return rows;
    }

    /** Sets {@code setting} for every new session on this test's database. */
    private void setForDatabase(String setting, String value) throws SQLException {
        execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET " + setting + " = ''" + value
                + "''', current_database()); END $$");
    }

    private static Map<String, String> settings(Connection c) throws SQLException {
        Map<String, String> settings = new TreeMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT name, current_setting(name) FROM unnest(ARRAY['statement_timeout', 'lock_timeout',
                            'client_connection_check_interval']) AS name""")) {
            while (rs.next()) {
                settings.put(rs.getString(1), rs.getString(2));
            }
        }
        return settings;
    }

    private static int backendPid(Connection c) {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The server process running the one concurrent build under way. */
    private int buildPid() throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT pid FROM pg_stat_activity WHERE datname = current_database()
                          AND query LIKE '%CREATE INDEX CONCURRENTLY%' AND state = 'active'
                          AND pid <> pg_backend_pid()""")) {
            assertThat(rs.next()).as("a build under way").isTrue();
            return rs.getInt(1);
        }
    }

    /** Other server processes on this database running a statement like {@code pattern}. */
    private int activity(String pattern) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement s = c.prepareStatement("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE ?
                          AND state = 'active'""")) {
            s.setString(1, pattern);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
