package dev.kiln.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.jobs.lambdas.JobRequest;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.jobrunr.scheduling.BackgroundJobRequest;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.JobActivator;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

/**
 * The peer in {@code bench/vs-jobrunr.sh}: JobRunr (OSS) on PostgreSQL running N no-op jobs, measured the way
 * {@link JobThroughputBench} measures Kiln — submitted in batches of 1,000 while the workers already run, jobs/s from
 * the first submission to the last job's SUCCEEDED state, and every job checked to have succeeded.
 *
 * <p>Tuned for throughput within what JobRunr OSS allows (see docs/benchmarks.md, "Against JobRunr"): W workers
 * (virtual threads, JobRunr's default on JDK 21+), the smallest poll interval it accepts (5 s; a worker that finishes
 * asks for more work at once when fewer than 70 % are busy, so the poll is not what paces it), jobs as
 * {@link JobRequest}s (no lambda analysis), bulk enqueue, no dashboard. One JVM per run, a fresh database each time.
 *
 * <p>{@code --pg-url=jdbc:postgresql://… --jobs=50000 --workers=16 [--pool=10]}
 */
public final class JobRunrBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        String url = options.get("pg-url");
        if (url == null) {
            throw new IllegalArgumentException("--pg-url is required (a fresh database; JobRunr creates its tables)");
        }
        int jobs = Integer.parseInt(options.getOrDefault("jobs", "50000"));
        int workers = Integer.parseInt(options.getOrDefault("workers", "16"));
        // Kiln's default pool (kiln.database.pool-size) unless asked otherwise.
        int pool = Integer.parseInt(options.getOrDefault("pool", "10"));
        long pollMillis = Long.parseLong(options.getOrDefault("poll-ms", "250"));

        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(pool);
        config.setPoolName("jobrunr-bench");
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            JobRunr.configure()
                    .useJsonMapper(new JacksonJsonMapper())
                    .useJobActivator(new NoopActivator())
                    .useStorageProvider(new PostgresStorageProvider(dataSource))
                    .useBackgroundJobServer(
                            BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
                                    .andWorkerCount(workers)
                                    .andPollInterval(Duration.ofSeconds(5)))
                    .initialize();
            // The orchestrator starts its CPU clock on this line, as it does on Spring Boot's for Kiln.
            System.out.println("Started JobRunrBench with " + workers + " workers, pool " + pool);
            System.out.printf(
                    "%-10s %8s %8s %10s %10s %10s %10s%n",
                    "database", "jobs", "workers", "submit_s", "total_s", "jobs/s", "events");

            long startMillis = System.currentTimeMillis();
            long start = System.nanoTime();
            for (int submitted = 0; submitted < jobs; submitted += 1000) {
                BackgroundJobRequest.enqueue(IntStream.range(submitted, Math.min(jobs, submitted + 1000))
                        .mapToObj(i -> new Noop()));
            }
            double submitSeconds = (System.nanoTime() - start) / 1e9;
            // One COUNT every poll-ms (250 unless told), the same poll as JobThroughputBench's: both pay the same for
            // watching.
            while (count(
                            dataSource,
                            "SELECT COUNT(*) FROM jobrunr_jobs WHERE state IN ('SUCCEEDED', 'FAILED', 'DELETED')")
                    < jobs) {
                Thread.sleep(pollMillis);
                if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
                    throw new IllegalStateException("did not finish within 10 minutes");
                }
            }
            double total = (lastSucceededMillis(dataSource) - startMillis) / 1000.0;
            long succeeded = count(dataSource, "SELECT COUNT(*) FROM jobrunr_jobs WHERE state = 'SUCCEEDED'");
            long all = count(dataSource, "SELECT COUNT(*) FROM jobrunr_jobs");
            if (succeeded != jobs || all != jobs) {
                throw new IllegalStateException(
                        "expected " + jobs + " jobs, all succeeded; found " + all + ", " + succeeded + " succeeded");
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-10s %8d %8d %10.2f %10.2f %10.0f %10s%n",
                    "jobrunr",
                    jobs,
                    workers,
                    submitSeconds,
                    total,
                    jobs / total,
                    "-");
            JobRunr.destroy();
        }
        System.exit(0);
    }

    private static long count(HikariDataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rows = s.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** JobRunr stamps updatedAt with the JVM's clock when a job enters SUCCEEDED. */
    private static long lastSucceededMillis(HikariDataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rows = s.executeQuery("SELECT MAX(updatedAt) FROM jobrunr_jobs WHERE state = 'SUCCEEDED'")) {
            rows.next();
            return rows.getTimestamp(1).getTime();
        }
    }

    /** The job: nothing, like Kiln's {@code test-noop} processor. Public with a no-argument constructor for JSON. */
    public static final class Noop implements JobRequest {
        @Override
        public Class<NoopHandler> getJobRequestHandler() {
            return NoopHandler.class;
        }
    }

    public static final class NoopHandler implements JobRequestHandler<Noop> {
        @Override
        public void run(Noop job) {
            // a no-op job measures the scheduler, not the work
        }
    }

    private static final class NoopActivator implements JobActivator {
        private static final NoopHandler HANDLER = new NoopHandler();

        @Override
        @SuppressWarnings("unchecked")
        public <T> T activateJob(Class<T> type) {
            return type == NoopHandler.class ? (T) HANDLER : null;
        }
    }
}
