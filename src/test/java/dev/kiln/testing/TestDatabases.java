package dev.kiln.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringApplication;
import org.springframework.util.FileSystemUtils;

/**
 * Real databases for tests: a fresh SQLite file, or a fresh database on PostgreSQL — an external
 * server when {@code KILN_TEST_POSTGRES_URL} names one (a JDBC URL whose user may create
 * databases), otherwise one embedded PostgreSQL started once per test JVM.
 */
public final class TestDatabases {

    public enum Kind {
        SQLITE,
        POSTGRES
    }

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Map<Kind, String> SHARED = new EnumMap<>(Kind.class);
    private static final Queue<Path> TEMP_DIRS = tempDirsRemovedOnExit();
    private static EmbeddedPostgres embedded;
    private static String postgresAdminUrl;

    private TestDatabases() {}

    /** A new, empty database of this kind. */
    public static String fresh(Kind kind) {
        return switch (kind) {
            case SQLITE -> "jdbc:sqlite:" + tempDir("kiln-sqlite-").resolve("kiln.db");
            case POSTGRES -> freshPostgres();
        };
    }

    /** One database of this kind per test JVM, for Spring contexts that tests share. */
    public static synchronized String shared(Kind kind) {
        return SHARED.computeIfAbsent(kind, TestDatabases::fresh);
    }

    /**
     * A directory of its own that goes, with everything in it, when the JVM exits: test databases,
     * homes and bench data add up to gigabytes a run, and a machine that runs the suite every day
     * fills its disk ({@code deleteOnExit} only removes a directory that is already empty).
     */
    public static Path tempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            TEMP_DIRS.add(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Queue<Path> tempDirsRemovedOnExit() {
        Queue<Path> dirs = new ConcurrentLinkedQueue<>();
        afterContextsClose(() -> dirs.forEach(dir -> {
            try {
                FileSystemUtils.deleteRecursively(dir);
            } catch (IOException | UncheckedIOException e) {
                // best effort: a file still held open elsewhere leaves its directory behind
            }
        }));
        return dirs;
    }

    /**
     * Runs at JVM exit once Spring's shutdown hook has closed every test context. A plain shutdown
     * hook runs beside it: the database stopped while a context's workers still wrote a job's outcome,
     * and their writer waited out its patience for it (forks killed 30 s after exit in CI).
     */
    private static void afterContextsClose(Runnable action) {
        SpringApplication.getShutdownHandlers().add(action);
    }

    private static synchronized String freshPostgres() {
        String admin = postgresAdminUrl();
        String name = "kiln_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = DriverManager.getConnection(admin);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create test database on " + admin, e);
        }
        return withDatabase(admin, name);
    }

    private static synchronized String postgresAdminUrl() {
        if (postgresAdminUrl == null) {
            String external = System.getenv("KILN_TEST_POSTGRES_URL");
            if (external != null && !external.isBlank()) {
                postgresAdminUrl = external;
            } else {
                try {
                    embedded = EmbeddedPostgres.builder()
                            .setRegisterShutdownHook(false)
                            .start();
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot start embedded PostgreSQL", e);
                }
                afterContextsClose(() -> {
                    try {
                        embedded.close();
                    } catch (IOException ignored) {
                        // the JVM is exiting
                    }
                });
                postgresAdminUrl = embedded.getJdbcUrl("postgres", "postgres");
            }
        }
        return postgresAdminUrl;
    }

    /** Runs statements on the PostgreSQL server as its administrator (e.g. to take a database away). */
    public static void postgresAdmin(String... statements) {
        try (Connection c = DriverManager.getConnection(postgresAdminUrl());
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The database name in a PostgreSQL JDBC URL. */
    public static String databaseName(String url) {
        int slash = url.indexOf('/', "jdbc:postgresql://".length());
        int query = url.indexOf('?', slash);
        return url.substring(slash + 1, query < 0 ? url.length() : query);
    }

    /** The same server URL pointing at another database, keeping user and parameters. */
    public static String withDatabase(String url, String database) {
        int slash = url.indexOf('/', "jdbc:postgresql://".length());
        int query = url.indexOf('?', slash);
        return url.substring(0, slash + 1) + database + (query < 0 ? "" : url.substring(query));
    }
}
