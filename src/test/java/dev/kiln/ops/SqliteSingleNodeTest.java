package dev.kiln.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SQLite is single-node: a second Kiln on the same data directory refuses to start and says why,
 * without disturbing the first; once the first is gone (even killed), the next one starts.
 * PostgreSQL nodes share a database freely.
 */
class SqliteSingleNodeTest {

    @Test
    void aSecondKilnOnTheSameSqliteDataDirectoryIsRefused() {
        Path home = TestDatabases.tempDir("kiln-single-");
        // No database URL: the default, SQLite inside the data directory.
        try (KilnProcess first = KilnProcess.start("", home, Map.of())) {
            assertThatThrownBy(() -> KilnProcess.start("", home, Map.of()))
                    .hasMessageContaining("Another Kiln is using " + home.toAbsolutePath())
                    .hasMessageContaining("pid " + first.pid())
                    .hasMessageContaining("SQLite is single-node, use PostgreSQL");

            assertThat(first.api().get("/api/v1/jobs", Api.ADMIN_TOKEN).status())
                    .isEqualTo(200);
            first.kill();
        }
        try (KilnProcess next = KilnProcess.start("", home, Map.of())) {
            assertThat(next.api().get("/api/v1/jobs", Api.ADMIN_TOKEN).status()).isEqualTo(200);
        }
    }

    @Test
    void postgresNodesShareADatabase() {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        Path home = TestDatabases.tempDir("kiln-pg-nodes-");
        try (KilnProcess first = KilnProcess.start(url, home, Map.of());
                KilnProcess second = KilnProcess.start(url, home, Map.of())) {
            String file = first.api().textFile(Api.ADMIN_TOKEN, "seen by both");
            assertThat(second.api()
                            .get("/api/v1/files/" + file, Api.ADMIN_TOKEN)
                            .status())
                    .isEqualTo(200);
        }
    }
}
