package dev.kiln.db;

import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

class SqliteMigrationUnderLoadTest extends MigrationUnderLoadContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.SQLITE;
    }

    @Override
    List<String> bulkLoad(int jobs) {
        String numbers = "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %d)";
        return List.of(
                numbers.formatted(1000) + """
                INSERT INTO users (id, name, role, created_at) SELECT 'usr_' || printf('%026d', n), 'user' || n, 'member', 0 FROM g""",
                numbers.formatted(1000) + """
                INSERT INTO files (id, owner_id, sha256, size, media_type, name, created_at)
                SELECT 'fil_' || printf('%026d', n), 'usr_' || printf('%026d', n), printf('%064d', n), 1000, 'audio/wav',
                       'f' || n || '.wav', 0 FROM g""",
                numbers.formatted(jobs) + """
                , s(n, state) AS (SELECT n, %s FROM g)
                INSERT INTO jobs (id, owner_id, type, input_file_id, params, priority, state, fair_key, run_after,
                                  cancel_requested_at, progress, attempt, max_attempts, seq, lease_token, lease_node,
                                  lease_expires_at, created_at, started_at, finished_at)
                SELECT 'job_' || printf('%%026d', n), 'usr_' || printf('%%026d', n %% 1000 + 1),
                       CASE WHEN n %% 3 = 0 THEN 'extract' ELSE 'transcribe' END, 'fil_' || printf('%%026d', n %% 1000 + 1),
                       '{"model":"en-us"}', 0, state, n, 1700000000000 + n * 1000,
                       CASE WHEN state = 'running' AND n %% 10 = 0 THEN 1700000000000 + n * 1000 END,
                       CASE WHEN state = 'succeeded' THEN 1 ELSE 0 END,
                       CASE WHEN state = 'queued' THEN 0 ELSE 1 END, 3, 3,
                       CASE WHEN state = 'running' THEN 'tok' || n END,
                       CASE WHEN state = 'running' THEN 'node-' || n %% 4 END,
                       CASE WHEN state = 'running' THEN 1700000000000 + n * 1000 + 15000 END,
                       1700000000000 + n * 1000,
                       CASE WHEN state <> 'queued' THEN 1700000000000 + n * 1000 + 500 END,
                       CASE WHEN state IN ('succeeded', 'failed', 'cancelled') THEN 1700000000000 + n * 1000 + 5000 END
                FROM s""".formatted(STATES.replace("g %", "n %")));
    }

    @Override
    List<String> extraLocations() {
        return List.of();
    }

    @Override
    Duration longestWrite() {
        return Duration.ofSeconds(1);
    }

    @Override
    void drop(String url) {
        String file = url.substring("jdbc:sqlite:".length());
        try {
            for (String suffix : List.of("", "-wal", "-shm", ".lock")) {
                Files.deleteIfExists(Path.of(file + suffix));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
