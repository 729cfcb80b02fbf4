package dev.kiln.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The migration convention of docs/architecture.md ("Migrations"), read from the files: on
 * PostgreSQL an index created or dropped on a table that an earlier migration created is built
 * CONCURRENTLY, and a CONCURRENTLY statement is alone in its migration (Flyway runs it outside a
 * transaction, and a plain index build would block every writer of the table until it ends).
 */
class MigrationConventionTest {

    private static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");
    /** Released before the convention; changing them would change their checksums on every install. */
    private static final int LAST_BEFORE_CONVENTION = 8;

    private static final Pattern VERSIONED = Pattern.compile("V(\\d+(?:_\\d+)?)__(\\w+)\\.sql");
    private static final Pattern CREATE_TABLE = Pattern.compile(
            "CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(\\w+).*", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern CREATE_INDEX = Pattern.compile(
            "CREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+(CONCURRENTLY\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?(\\w+)\\s+ON\\s+(?:ONLY\\s+)?(\\w+).*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern DROP_INDEX = Pattern.compile(
            "DROP\\s+INDEX\\s+(CONCURRENTLY\\s+)?(?:IF\\s+EXISTS\\s+)?(\\w+).*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    /** {@code version} as Flyway reads it: {@code V14_1} is 14.1, between 14 and 15. */
    record Migration(BigDecimal version, String name, String sql) {

        Migration(int version, String name, String sql) {
            this(BigDecimal.valueOf(version), name, sql);
        }
    }

    @Test
    void postgresIndexesOnTablesInUseAreConcurrentAndAlone() {
        assertThat(violations(read("postgresql"), LAST_BEFORE_CONVENTION)).isEmpty();
    }

    /** SQLite's table rebuilds are Java migrations ({@link SqliteRebuild}), named like the SQL ones. */
    @Test
    void bothDatabasesHaveTheSameMigrations() {
        java.util.TreeMap<BigDecimal, String> sqlite = new java.util.TreeMap<>();
        read("sqlite").forEach(m -> sqlite.put(m.version(), m.name()));
        for (SqliteRebuild rebuild : SqliteRebuild.all()) {
            sqlite.put(
                    new BigDecimal(rebuild.getVersion().getVersion()),
                    "V" + rebuild.getVersion() + "__" + rebuild.getDescription().replace(' ', '_'));
        }
        assertThat(List.copyOf(sqlite.values()))
                .isEqualTo(read("postgresql").stream().map(Migration::name).toList());
    }

    @Test
    void theReleasedMigrationsThatPredateTheConventionWouldFailIt() {
        assertThat(violations(read("postgresql"), 0))
                .hasSize(9)
                .allSatisfy(v -> assertThat(v).matches("V[278] .*"));
    }

    @Test
    void aPlainIndexOnAnEarlierTableFails() {
        List<Migration> migrations = List.of(
                new Migration(1, "V1__jobs", "CREATE TABLE jobs (id TEXT PRIMARY KEY, state TEXT);"),
                new Migration(
                        2, "V2__index", "-- a comment; with a semicolon\nCREATE INDEX jobs_state ON jobs (state);"));
        assertThat(violations(migrations, 0))
                .containsExactly(
                        "V2 creates index jobs_state on jobs (made by an earlier migration) without CONCURRENTLY");
    }

    @Test
    void aPlainDropOfAnEarlierTablesIndexFails() {
        List<Migration> migrations = List.of(
                new Migration(
                        1,
                        "V1__jobs",
                        "CREATE TABLE jobs (id TEXT PRIMARY KEY, state TEXT); CREATE INDEX jobs_state ON jobs (state);"),
                new Migration(2, "V2__drop", "DROP INDEX IF EXISTS jobs_state;"));
        assertThat(violations(migrations, 0))
                .containsExactly(
                        "V2 drops index jobs_state on jobs (made by an earlier migration) without CONCURRENTLY");
    }

    @Test
    void aConcurrentIndexBesideAnotherStatementFails() {
        List<Migration> migrations = List.of(
                new Migration(1, "V1__jobs", "CREATE TABLE jobs (id TEXT PRIMARY KEY, state TEXT);"),
                new Migration(2, "V2__more", """
                        ALTER TABLE jobs ADD COLUMN node TEXT;
                        CREATE INDEX CONCURRENTLY jobs_node ON jobs (node);"""));
        assertThat(violations(migrations, 0))
                .containsExactly("V2 has CONCURRENTLY beside 1 other statement(s): it must be alone");
    }

    @Test
    void aConcurrentIndexAloneAndAnIndexOnANewTablePass() {
        List<Migration> migrations = List.of(
                new Migration(1, "V1__jobs", "CREATE TABLE jobs (id TEXT PRIMARY KEY, state TEXT);"),
                new Migration(
                        2, "V2__index", "CREATE INDEX CONCURRENTLY jobs_state ON jobs (state) WHERE state = 'queued';"),
                new Migration(
                        3,
                        "V3__files",
                        "CREATE TABLE files (id TEXT PRIMARY KEY); CREATE INDEX files_id ON files (id);"),
                new Migration(4, "V4__drop", "DROP INDEX CONCURRENTLY IF EXISTS jobs_state;"));
        assertThat(violations(migrations, 0)).isEmpty();
    }

    @Test
    void droppingAnIndexNoMigrationMadeFails() {
        List<Migration> migrations = List.of(new Migration(1, "V1__drop", "DROP INDEX CONCURRENTLY nowhere;"));
        assertThat(violations(migrations, 0))
                .containsExactly("V1 drops index nowhere, which no earlier migration created");
    }

    /**
     * What breaks the convention, one line each. Migrations up to {@code lastExempt} only teach the
     * checker which tables and indexes exist.
     */
    static List<String> violations(List<Migration> migrations, int lastExempt) {
        List<String> found = new ArrayList<>();
        Set<String> earlierTables = new HashSet<>();
        Map<String, String> indexTable = new HashMap<>();
        for (Migration migration : migrations) {
            List<String> statements = statements(migration.sql());
            Set<String> newTables = new HashSet<>();
            String label = "V" + migration.version().toPlainString();
            boolean checked = migration.version().compareTo(BigDecimal.valueOf(lastExempt)) > 0;
            for (String statement : statements) {
                Matcher table = CREATE_TABLE.matcher(statement);
                Matcher create = CREATE_INDEX.matcher(statement);
                Matcher drop = DROP_INDEX.matcher(statement);
                if (table.matches()) {
                    newTables.add(lower(table.group(1)));
                } else if (create.matches()) {
                    String index = lower(create.group(2));
                    String on = lower(create.group(3));
                    indexTable.put(index, on);
                    if (checked && create.group(1) == null && earlierTables.contains(on)) {
                        found.add(label + " creates index " + index + " on " + on
                                + " (made by an earlier migration) without CONCURRENTLY");
                    }
                } else if (drop.matches()) {
                    String index = lower(drop.group(2));
                    String on = indexTable.remove(index);
                    if (checked && on == null) {
                        found.add(label + " drops index " + index + ", which no earlier migration created");
                    } else if (checked && drop.group(1) == null && earlierTables.contains(on)) {
                        found.add(label + " drops index " + index + " on " + on
                                + " (made by an earlier migration) without CONCURRENTLY");
                    }
                }
            }
            boolean concurrent =
                    statements.stream().anyMatch(s -> lower(s).matches("(?s)(create|drop).*\\bconcurrently\\b.*"));
            if (checked && concurrent && statements.size() > 1) {
                found.add(label + " has CONCURRENTLY beside " + (statements.size() - 1)
                        + " other statement(s): it must be alone");
            }
            earlierTables.addAll(newTables);
        }
        return found;
    }

    /** The statements of a migration, without comments (Kiln's migrations have no semicolons in strings). */
    static List<String> statements(String sql) {
        String code = sql.replaceAll("--[^\\n]*", "");
        return Stream.of(code.split(";"))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static List<Migration> read(String dialect) {
        try (Stream<Path> files = Files.list(MIGRATIONS.resolve(dialect))) {
            return files.map(file -> {
                        Matcher m = VERSIONED.matcher(file.getFileName().toString());
                        assertThat(m.matches())
                                .as("a versioned migration: " + file)
                                .isTrue();
                        return new Migration(
                                new BigDecimal(m.group(1).replace('_', '.')),
                                "V" + m.group(1) + "__" + m.group(2),
                                readString(file));
                    })
                    .sorted(Comparator.comparing(Migration::version))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
