package dev.kiln.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Two nodes started at the same moment on one empty PostgreSQL database (a fresh cluster's first
 * deploy): Flyway's lock lets one node apply a migration while the other waits, both become ready,
 * and every migration is applied and recorded once.
 */
class PostgresConcurrentStartTest {

    /** Flyway's own summary lines, to tell which node migrated. */
    private static final Map<String, String> SETTINGS = Map.of(
            "logging.level.org.flywaydb.core.internal.command", "INFO",
            "kiln.workers.poll-interval", "200ms");

    private static final Pattern APPLIED = Pattern.compile("Successfully applied (\\d+) migration");

    @Test
    void twoNodesStartingTogetherMigrateOnceAndBothBecomeReady() throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        Path home = TestDatabases.tempDir("kiln-concurrent-start-");
        ExecutorService starters = Executors.newFixedThreadPool(2);
        List<CompletableFuture<KilnProcess>> starts = List.of(
                CompletableFuture.supplyAsync(() -> KilnProcess.start(url, home, SETTINGS), starters),
                CompletableFuture.supplyAsync(() -> KilnProcess.start(url, home, SETTINGS), starters));
        try {
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new))
                    .exceptionally(failed -> null)
                    .join();
            List<KilnProcess> nodes =
                    starts.stream().map(CompletableFuture::join).toList();

            for (KilnProcess node : nodes) {
                assertThat(node.api().get("/actuator/health/readiness", null).status())
                        .as("node on port " + node.port() + " ready")
                        .isEqualTo(200);
            }
            // Flyway takes its lock per migration, so the two may share the work; never one migration twice.
            int files = Math.toIntExact(migrationFiles());
            List<Integer> applied =
                    nodes.stream().map(node -> applied(node.log())).toList();
            System.out.println("Migrations applied by each node: " + applied);
            assertThat(applied.stream().mapToInt(Integer::intValue).sum())
                    .as("migrations applied, both nodes together")
                    .isEqualTo(files);
            try (Connection c = DriverManager.getConnection(url);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("""
                            SELECT version, count(*) AS n, bool_and(success) AS ok FROM flyway_schema_history
                            WHERE version IS NOT NULL GROUP BY version""")) {
                int versions = 0;
                while (rs.next()) {
                    versions++;
                    assertThat(rs.getInt("n"))
                            .as("version " + rs.getString("version") + " recorded once")
                            .isEqualTo(1);
                    assertThat(rs.getBoolean("ok"))
                            .as("version " + rs.getString("version") + " succeeded")
                            .isTrue();
                }
                assertThat(versions).as("every migration file applied").isEqualTo(files);
            }
        } finally {
            starts.stream()
                    .filter(start -> start.isDone() && !start.isCompletedExceptionally())
                    .map(CompletableFuture::join)
                    .forEach(KilnProcess::close);
            starters.shutdownNow();
        }
    }

    /** How many migrations a node's log says it applied (Flyway logs nothing of the kind when none were left). */
    private static int applied(String log) {
        Matcher m = APPLIED.matcher(log);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static long migrationFiles() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration/postgresql"))) {
            return files.filter(f -> f.getFileName().toString().matches("V\\d+(_\\d+)?__.*\\.sql"))
                    .count();
        }
    }
}
