package dev.kiln.bench;

import dev.kiln.KilnApplication;
import dev.kiln.auth.Role;
import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.db.Database;
import dev.kiln.files.FileInfo;
import dev.kiln.files.FileIntake;
import dev.kiln.jobs.JobStore;
import dev.kiln.jobs.NewJob;
import dev.kiln.testing.TestDatabases;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * End-to-end job throughput: N no-op jobs are submitted in bulk (batches of 1,000, as a
 * producer would) while the node's workers claim, run and complete them, with every event
 * written to the durable log. Prints jobs/s from the first submission to the last completion.
 *
 * <p>Run with {@code bench/jobs-throughput.sh [--jobs=N] [--workers=W] [--db=sqlite|postgres|both]
 * [--pg-url=…]}. Without {@code --pg-url}, PostgreSQL is an embedded server started with fsync and
 * synchronous commit on.
 */
public final class JobThroughputBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        int jobs = Integer.parseInt(options.getOrDefault("jobs", "50000"));
        int workers = Integer.parseInt(options.getOrDefault("workers", "64"));
        // 0: the plain claim; N: the claim that holds each owner to N running jobs (one owner here).
        String maxRunning = options.getOrDefault("max-running", "0");
        String db = options.getOrDefault("db", "both");
        List<TestDatabases.Kind> kinds = db.equals("both")
                ? List.of(TestDatabases.Kind.SQLITE, TestDatabases.Kind.POSTGRES)
                : List.of(TestDatabases.Kind.valueOf(db.toUpperCase(Locale.ROOT)));
        System.out.printf(
                "%-10s %8s %8s %10s %10s %10s %10s%n",
                "database", "jobs", "workers", "submit_s", "total_s", "jobs/s", "events");
        for (TestDatabases.Kind kind : kinds) {
            run(
                    kind,
                    options.get("pg-url"),
                    jobs,
                    workers,
                    maxRunning,
                    Long.parseLong(options.getOrDefault("poll-ms", "250")));
        }
    }

    private static void run(
            TestDatabases.Kind kind, String pgUrl, int jobs, int workers, String maxRunning, long pollMillis)
            throws Exception {
        if (kind == TestDatabases.Kind.POSTGRES && pgUrl == null) {
            // The test database runs with fsync and synchronous_commit off; measure a durable server.
            try (EmbeddedPostgres durable = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .start()) {
                run(kind, durable.getJdbcUrl("postgres", "postgres"), jobs, workers, maxRunning, pollMillis);
            }
            return;
        }
        String url = pgUrl != null ? pgUrl : TestDatabases.fresh(kind);
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(KilnApplication.class)
                .properties(
                        "kiln.database.url=" + url,
                        "kiln.home=" + TestDatabases.tempDir("kiln-bench-"),
                        "kiln.admin.token=bench",
                        "kiln.processors.test-noop.concurrency=" + workers,
                        // One owner submits everything: by default the engine's throughput, not a user's share.
                        "kiln.limits.max-running-jobs=" + maxRunning,
                        "logging.level.root=WARN",
                        "logging.level.dev.kiln=" + System.getProperty("bench.log", "WARN"))
                // Any free port: as an argument, since application.yaml (port 8080) beats default properties.
                .run("--server.port=0")) {
            Users users = app.getBean(Users.class);
            User owner = users.create("bench-" + System.nanoTime(), Role.MEMBER).orElseThrow();
            FileInfo file = app.getBean(FileIntake.class)
                    .accept(
                            owner.id(),
                            new ByteArrayInputStream("bench input".getBytes(StandardCharsets.UTF_8)),
                            "bench.txt");
            JobStore store = app.getBean(JobStore.class);
            Database database = app.getBean(Database.class);

            long startMillis = System.currentTimeMillis();
            long start = System.nanoTime();
            for (int submitted = 0; submitted < jobs; submitted += 1000) {
                List<NewJob> batch = new ArrayList<>(1000);
                for (int i = submitted; i < Math.min(jobs, submitted + 1000); i++) {
                    batch.add(
                            NewJob.of(owner.id(), "test-noop", file.id(), JsonNodeFactory.instance.objectNode(), 0, 3));
                }
                store.submitAll(batch);
            }
            double submitSeconds = seconds(System.nanoTime() - start);
            // Polled slowly so the poll does not compete with the work; the end time is the last finish.
            while (count(database, "SELECT COUNT(*) FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled')")
                    < jobs) {
                Thread.sleep(pollMillis);
                if (seconds(System.nanoTime() - start) > Duration.ofMinutes(10).toSeconds()) {
                    throw new IllegalStateException("did not finish within 10 minutes");
                }
            }
            double total = (count(database, "SELECT MAX(finished_at) FROM jobs") - startMillis) / 1000.0;
            long succeeded = count(database, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded' AND attempt = 1");
            if (succeeded != jobs) {
                throw new IllegalStateException(
                        "only " + succeeded + " of " + jobs + " jobs succeeded on their first attempt");
            }
            long events = count(database, "SELECT COUNT(*) FROM job_events");
            if (events != 3L * jobs) {
                throw new IllegalStateException(
                        "expected " + 3L * jobs + " events (queued, running, succeeded), found " + events);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-10s %8d %8d %10.2f %10.2f %10.0f %10d%n",
                    kind.name().toLowerCase(Locale.ROOT),
                    jobs,
                    workers,
                    submitSeconds,
                    total,
                    jobs / total,
                    events);
        }
    }

    private static long count(Database database, String sql) {
        return database.sql().sql(sql).query(Long.class).single();
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
