package dev.kiln.library;

import static dev.kiln.testing.TestBytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.kiln.storage.LocalBlobStore;
import dev.kiln.testing.Api;
import dev.kiln.testing.CrashPoints;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A file deletion that dies between its steps — its rows (file, jobs, events, results) gone in one
 * transaction, its stored bytes not yet — is finished by the next storage sweep: a real Kiln process
 * halts at exactly that point (as under {@code kill -9}; {@link CrashPoints}), is started again on
 * the same home and database, and its sweep at start-up removes the content; nothing of the file or
 * its jobs is left in any table, and the owner's usage has dropped.
 */
class DeletionCrashTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aDeletionKilledBetweenItsRowsAndItsBytesIsFinishedByTheNextSweep() throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.SQLITE);
        Path home = TestDatabases.tempDir("kiln-deletion-crash-");
        Path marker = home.resolve("halt-before-blob-delete");
        Map<String, String> settings = Map.of(
                "kiln.test.halt-before-blob-delete", marker.toString(),
                "kiln.uploads.blob-grace", "0s",
                // Only the sweep at start-up runs: it is "the next sweep".
                "kiln.uploads.sweep-interval", "1h",
                "logging.level.dev.kiln", "WARN");
        LocalBlobStore onDisk = new LocalBlobStore(home.resolve("blobs"));
        KilnProcess kiln = KilnProcess.start(url, home, settings);
        try {
            Api api = kiln.api();
            String member = api.newMember("crash-" + UUID.randomUUID());
            long empty = usage(api, member);
            Api.Response uploaded = api.upload(member, random(50_000), "doomed.bin");
            assertThat(uploaded.status()).as("%s", uploaded).isEqualTo(201);
            String file = uploaded.json().get("id").asString();
            String sha = uploaded.json().get("sha256").asString();
            String job = api.submit(member, "test-echo", file, "{}");
            await().atMost(WAIT).until(() -> api.state(member, job).equals("succeeded"));
            assertThat(usage(api, member)).isEqualTo(empty + 50_000);
            assertThat(rowsOf(url, file, job)).as("rows before").isPositive();

            Files.createFile(marker);
            Throwable cut = catchThrowable(() -> api.delete("/api/v1/files/" + file + "?jobs=delete", member));
            assertThat(cut).as("the connection dies with the process").isNotNull();
            kiln.awaitExit();
            assertThat(kiln.exitCode()).as("halted at the crash point").isEqualTo(CrashPoints.HALTED);
            assertThat(rowsOf(url, file, job)).as("step 1 committed").isZero();
            assertThat(onDisk.exists(sha)).as("step 2 never ran").isTrue();

            Files.delete(marker);
            kiln = kiln.startAgain();
            Api again = kiln.api();
            await().atMost(WAIT).until(() -> !onDisk.exists(sha));
            assertThat(again.get("/api/v1/files/" + file, member).status()).isEqualTo(404);
            assertThat(again.get("/api/v1/jobs/" + job, member).status()).isEqualTo(404);
            assertThat(usage(again, member)).isEqualTo(empty);
            assertThat(rowsOf(url, file, job)).as("no orphan rows").isZero();
        } finally {
            kiln.close();
        }
    }

    private static long usage(Api api, String token) {
        return api.get("/api/v1/me/usage", token).json().get("storedBytes").asLong();
    }

    /** Rows anywhere that name the file or its job. */
    private static long rowsOf(String url, String file, String job) throws Exception {
        String[] queries = {
            "SELECT COUNT(*) FROM files WHERE id = ?",
            "SELECT COUNT(*) FROM jobs WHERE id = ? OR input_file_id = ?",
            "SELECT COUNT(*) FROM job_events WHERE job_id = ?",
            "SELECT COUNT(*) FROM job_results WHERE job_id = ?",
            "SELECT COUNT(*) FROM job_files WHERE job_id = ?",
            "SELECT COUNT(*) FROM idempotency_keys WHERE job_id = ?",
        };
        long rows = 0;
        try (Connection db = DriverManager.getConnection(url)) {
            for (String sql : queries) {
                try (PreparedStatement statement = db.prepareStatement(sql)) {
                    statement.setString(1, sql.contains("FROM files") ? file : job);
                    if (sql.contains("input_file_id")) {
                        statement.setString(2, file);
                    }
                    try (ResultSet rs = statement.executeQuery()) {
                        rs.next();
                        rows += rs.getLong(1);
                    }
                }
            }
        }
        return rows;
    }
}
