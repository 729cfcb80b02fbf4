package dev.kiln.db;

import dev.kiln.testing.TestDatabases;
import java.time.Duration;
import java.util.List;

class PostgresMigrationUnderLoadTest extends MigrationUnderLoadContract {

    @Override
    TestDatabases.Kind kind() {
        return TestDatabases.Kind.POSTGRES;
    }

    @Override
    List<String> bulkLoad(int jobs) {
        // Ids of Kiln's shape (prefix, 26 base32 characters) from md5: its 0, 1, 8, 9 become w, x, y, z.
        String id = "'%s_' || translate(substr(md5('%s' || %s), 1, 26), '0189', 'wxyz')";
        return List.of(
                """
                INSERT INTO users (id, name, role, created_at)
                SELECT %s, 'user' || g, 'member', 0 FROM generate_series(1, 1000) g""".formatted(id.formatted("usr", "u", "g")),
                """
                INSERT INTO files (id, owner_id, sha256, size, media_type, name, created_at)
                SELECT %s, %s, md5('f' || g) || md5('g' || g), 1000, 'audio/wav', 'f' || g || '.wav', 0
                FROM generate_series(1, 1000) g""".formatted(id.formatted("fil", "f", "g"), id.formatted("usr", "u", "g")),
                """
                INSERT INTO jobs (id, owner_id, type, input_file_id, params, priority, state, fair_key, run_after,
                                  cancel_requested_at, progress, attempt, max_attempts, seq, lease_token, lease_node,
                                  lease_expires_at, created_at, started_at, finished_at)
                SELECT %s, %s, CASE WHEN g %% 3 = 0 THEN 'extract' ELSE 'transcribe' END, %s, '{"model":"en-us"}', 0,
                       s.state, g, 1700000000000 + g * 1000,
                       CASE WHEN s.state = 'running' AND g %% 10 = 0 THEN 1700000000000 + g * 1000 END,
                       CASE WHEN s.state = 'succeeded' THEN 1 ELSE 0 END,
                       CASE WHEN s.state = 'queued' THEN 0 ELSE 1 END, 3, 3,
                       CASE WHEN s.state = 'running' THEN 'tok' || g END,
                       CASE WHEN s.state = 'running' THEN 'node-' || g %% 4 END,
                       CASE WHEN s.state = 'running' THEN 1700000000000 + g * 1000 + 15000 END,
                       1700000000000 + g * 1000,
                       CASE WHEN s.state <> 'queued' THEN 1700000000000 + g * 1000 + 500 END,
                       CASE WHEN s.state IN ('succeeded', 'failed', 'cancelled') THEN 1700000000000 + g * 1000 + 5000 END
                FROM generate_series(1, %d) g,
                     LATERAL (SELECT %s AS state) s""".formatted(
                                id.formatted("job", "j", "g"),
                                id.formatted("usr", "u", "(g % 1000 + 1)"),
                                id.formatted("fil", "f", "(g % 1000 + 1)"),
                                jobs,
                                STATES),
                "ANALYZE");
    }

    @Override
    List<String> extraLocations() {
        return List.of("classpath:db/test-migration/postgresql");
    }

    @Override
    Duration longestWrite() {
        return Duration.ofSeconds(1);
    }

    @Override
    void drop(String url) {
        TestDatabases.postgresAdmin("DROP DATABASE " + TestDatabases.databaseName(url));
    }
}
