package dev.kiln.bench;

import dev.kiln.testing.TestDatabases;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Two contestants measured alternately in one run, each in its own JVM on a fresh database: Kiln against JobRunr
 * ({@code --mode=jobrunr}, bench/vs-jobrunr.sh) or the current tree against a build of another revision
 * ({@code --mode=build --base-cp=… --base-name=…}, bench/vs-build.sh); or Kiln alone ({@code --mode=kiln},
 * bench/profile.sh).
 *
 * <p>Every contestant prints one marker line when it is ready to submit (Spring Boot's "Started …" for Kiln, logged
 * because the child runs with {@code logging.level.dev.kiln.bench=INFO}; JobRunrBench prints its own) and one result
 * row ({@code name jobs workers submit_s total_s jobs/s …}) when the last job is done. CPU is sampled from /proc at
 * both lines: the child JVM's own, and the PostgreSQL server's when the database is PostgreSQL on this machine. The
 * window so includes submitting and running every job and the child's final checks, not JVM start-up or shutdown.
 * On PostgreSQL the WAL written in the same window ({@code pg_current_wal_lsn()}, the whole server's) is printed per
 * job too: unlike CPU time it does not swing with the machine, so it shows a change in the work the server does.
 *
 * <p>Options: {@code --jobs=50000 --workers=16,64 --rounds=1 --db=postgres|sqlite --pg-url=<admin URL>} (without
 * it, an embedded PostgreSQL with fsync and synchronous commit on), {@code --only=<contestant>},
 * {@code --jobrunr-pool=N} (JobRunr's connection pool; Kiln's default of 10 otherwise), {@code --poll-ms=N} (how often both count
 * their finished jobs: a full count costs the database too; each bench's default is 250), {@code --pg-stats=true} (after
 * each run on PostgreSQL, commits, rows and statements per job: {@link PgStats}). {@code BENCH_JAVA_OPTS} goes to
 * every child.
 */
public final class SideBySide {

    private record Contestant(String name, String classpath, String mainClass, boolean kiln) {}

    private record Result(
            int round,
            int workers,
            String contestant,
            double jobsPerSecond,
            double totalSeconds,
            double processMicrosPerJob,
            double postgresMicrosPerJob,
            double walBytesPerJob) {

        double cpuMicrosPerJob() {
            return processMicrosPerJob + Math.max(0, postgresMicrosPerJob);
        }
    }

    private static String jobrunrPool;
    private static boolean pgStats;
    /** How often each contestant counts its finished jobs; null: its own default. */
    private static String pollMillis;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        jobrunrPool = options.get("jobrunr-pool");
        pgStats = Boolean.parseBoolean(options.getOrDefault("pg-stats", "false"));
        pollMillis = options.get("poll-ms");
        String mode = options.getOrDefault("mode", "jobrunr");
        int jobs = Integer.parseInt(options.getOrDefault("jobs", "50000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "1"));
        List<Integer> workers = Arrays.stream(
                        options.getOrDefault("workers", "16,64").split(","))
                .map(Integer::parseInt)
                .toList();
        String db = options.getOrDefault("db", "postgres");
        String own = System.getProperty("java.class.path");
        List<Contestant> contestants = switch (mode) {
            case "jobrunr" -> {
                if (!db.equals("postgres")) {
                    throw new IllegalArgumentException("JobRunr is measured on PostgreSQL only");
                }
                yield List.of(
                        new Contestant("jobrunr", own, JobRunrBench.class.getName(), false),
                        new Contestant("kiln", own, JobThroughputBench.class.getName(), true));
            }
            case "build" ->
                List.of(
                        new Contestant(
                                options.getOrDefault("base-name", "base"),
                                required(options, "base-cp"),
                                JobThroughputBench.class.getName(),
                                true),
                        new Contestant("current", own, JobThroughputBench.class.getName(), true));
            case "kiln" -> List.of(new Contestant("kiln", own, JobThroughputBench.class.getName(), true));
            default -> throw new IllegalArgumentException("--mode is jobrunr, build or kiln");
        };
        if (options.containsKey("only")) {
            contestants = contestants.stream()
                    .filter(c -> c.name().equals(options.get("only")))
                    .toList();
        }
        if (db.equals("postgres") && !options.containsKey("pg-url")) {
            try (EmbeddedPostgres durable = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .start()) {
                System.out.println("PostgreSQL: embedded " + version(durable.getJdbcUrl("postgres", "postgres"))
                        + ", fsync=on, synchronous_commit=on");
                runAll(contestants, db, durable.getJdbcUrl("postgres", "postgres"), jobs, workers, rounds);
            }
        } else {
            String admin = options.get("pg-url");
            if (admin != null) {
                System.out.println(
                        "PostgreSQL: " + version(admin) + " at " + admin.replaceAll("password=[^&]*", "password=…"));
            }
            runAll(contestants, db, admin, jobs, workers, rounds);
        }
    }

    private static void runAll(
            List<Contestant> contestants, String db, String adminUrl, int jobs, List<Integer> workers, int rounds)
            throws Exception {
        long postmaster = adminUrl == null ? -1 : ProcCpu.postmasterOf(adminUrl);
        if (adminUrl != null && postmaster < 0) {
            System.out.println("PostgreSQL is not on this machine: its CPU time is not measured");
        }
        System.out.printf(
                "%5s %7s %-10s %9s %8s %12s %12s %12s %10s%n",
                "round",
                "workers",
                "contestant",
                "jobs/s",
                "total_s",
                "proc_us/job",
                "pg_us/job",
                "cpu_us/job",
                "wal_B/job");
        List<Result> results = new ArrayList<>();
        int run = 0;
        for (int round = 1; round <= rounds; round++) {
            for (int w : workers) {
                for (Contestant contestant : contestants) {
                    Result result = runOne(contestant, db, adminUrl, postmaster, jobs, w, round, ++run);
                    results.add(result);
                    System.out.printf(
                            Locale.ROOT,
                            "%5d %7d %-10s %9.0f %8.2f %12.0f %12s %12.0f %10s%n",
                            round,
                            w,
                            contestant.name(),
                            result.jobsPerSecond(),
                            result.totalSeconds(),
                            result.processMicrosPerJob(),
                            result.postgresMicrosPerJob() < 0
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.0f", result.postgresMicrosPerJob()),
                            result.cpuMicrosPerJob(),
                            result.walBytesPerJob() < 0
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.0f", result.walBytesPerJob()));
                }
            }
        }
        if (contestants.size() == 2) {
            printRatios(results, contestants.get(1).name(), contestants.get(0).name());
        }
    }

    private static Result runOne(
            Contestant contestant,
            String db,
            String adminUrl,
            long postmaster,
            int jobs,
            int workers,
            int round,
            int run)
            throws Exception {
        Path scratch = Files.createTempDirectory("kiln-side-by-side-");
        String database = "bench_" + ProcessHandle.current().pid() + "_" + run;
        String url = null;
        if (adminUrl != null) {
            scalar(adminUrl, "CREATE DATABASE " + database);
            url = TestDatabases.withDatabase(adminUrl, database);
        }
        try {
            List<String> command = new ArrayList<>(List.of(
                    javaCommand(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-Xshare:off",
                    "-Djava.io.tmpdir=" + scratch,
                    "-Dlogging.level.dev.kiln.bench=INFO"));
            String extra = System.getenv("BENCH_JAVA_OPTS");
            if (extra != null && !extra.isBlank()) {
                command.addAll(Arrays.asList(extra.trim().split("\\s+")));
            }
            command.addAll(List.of(
                    "-cp", contestant.classpath(), contestant.mainClass(), "--jobs=" + jobs, "--workers=" + workers));
            if (contestant.kiln()) {
                command.add("--db=" + db);
            } else if (jobrunrPool != null) {
                command.add("--pool=" + jobrunrPool);
            }
            if (url != null) {
                command.add("--pg-url=" + url);
            }
            if (pollMillis != null) {
                command.add("--poll-ms=" + pollMillis);
            }
            Result result = measure(
                    contestant,
                    new ProcessBuilder(command).redirectErrorStream(true),
                    scratch.resolve("output.log"),
                    adminUrl,
                    postmaster,
                    jobs,
                    workers,
                    round);
            if (pgStats && url != null) {
                PgStats.print(adminUrl, database, jobs, 12);
            }
            return result;
        } finally {
            if (adminUrl != null) {
                drop(adminUrl, database);
            }
            deleteTree(scratch);
        }
    }

    private static Result measure(
            Contestant contestant,
            ProcessBuilder builder,
            Path log,
            String adminUrl,
            long postmaster,
            int jobs,
            int workers,
            int round)
            throws Exception {
        Process child = builder.start();
        long pid = child.pid();
        long[] before = null;
        long[] after = null;
        String[] row = null;
        try (BufferedReader out =
                        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter saved = new PrintWriter(Files.newBufferedWriter(log))) {
            for (String line; (line = out.readLine()) != null; ) {
                saved.println(line);
                if (before == null && line.contains("Started ")) {
                    before = sample(pid, postmaster, adminUrl);
                }
                String[] fields = line.trim().split("\\s+");
                if (before != null
                        && row == null
                        && fields.length >= 6
                        && fields[1].equals(Integer.toString(jobs))
                        && fields[2].equals(Integer.toString(workers))) {
                    after = sample(pid, postmaster, adminUrl);
                    row = fields;
                }
            }
        } catch (IOException | SQLException | RuntimeException e) {
            child.destroyForcibly(); // no contestant left running beside the next one
            throw e;
        }
        if (!child.waitFor(2, TimeUnit.MINUTES)) {
            child.destroyForcibly();
        }
        if (child.exitValue() != 0 || row == null) {
            System.out.println(Files.readString(log));
            throw new IllegalStateException(
                    contestant.name() + " failed (exit " + child.exitValue() + "); its output is above");
        }
        double postgres = postmaster < 0 ? -1 : (after[1] - before[1]) / (double) jobs;
        return new Result(
                round,
                workers,
                contestant.name(),
                Double.parseDouble(row[5]),
                Double.parseDouble(row[4]),
                (after[0] - before[0]) / (double) jobs,
                postgres,
                adminUrl == null ? -1 : (after[2] - before[2]) / (double) jobs);
    }

    private static long[] sample(long pid, long postmaster, String adminUrl) throws SQLException {
        return new long[] {
            ProcCpu.process(pid), postmaster < 0 ? 0 : ProcCpu.postgresServer(postmaster), walPosition(adminUrl)
        };
    }

    /** The server's WAL position in bytes, or 0 on SQLite. */
    private static long walPosition(String adminUrl) throws SQLException {
        return adminUrl == null
                ? 0
                : Long.parseLong(scalar(adminUrl, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"));
    }

    private static void printRatios(List<Result> results, String subject, String reference) {
        System.out.println();
        System.out.printf(
                "%5s %7s %22s %22s %13s %13s%n",
                "round",
                "workers",
                subject + " jobs/s (cpu_us/job)",
                reference + " jobs/s (cpu_us/job)",
                "jobs/s ratio",
                "cpu ratio");
        for (Result s : results) {
            if (!s.contestant().equals(subject)) {
                continue;
            }
            results.stream()
                    .filter(r ->
                            r.contestant().equals(reference) && r.round() == s.round() && r.workers() == s.workers())
                    .findFirst()
                    .ifPresent(r -> System.out.printf(
                            Locale.ROOT,
                            "%5d %7d %22s %22s %12.2fx %12.2fx%n",
                            s.round(),
                            s.workers(),
                            String.format(Locale.ROOT, "%.0f (%.0f)", s.jobsPerSecond(), s.cpuMicrosPerJob()),
                            String.format(Locale.ROOT, "%.0f (%.0f)", r.jobsPerSecond(), r.cpuMicrosPerJob()),
                            s.jobsPerSecond() / r.jobsPerSecond(),
                            s.cpuMicrosPerJob() / r.cpuMicrosPerJob()));
        }
        System.out.println("(jobs/s ratio = " + subject + " / " + reference + ", higher is better for " + subject
                + "; cpu ratio = " + subject + "'s CPU per job / " + reference + "'s, lower is better)");
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    private static String version(String url) throws SQLException {
        return "PostgreSQL " + scalar(url, "SELECT current_setting('server_version')");
    }

    /** An autovacuum worker may still be in the database, and a user who is not a superuser cannot end it: retry. */
    private static void drop(String adminUrl, String database) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                scalar(adminUrl, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
                return;
            } catch (SQLException e) {
                if (attempt == 30) {
                    System.out.println("      (database " + database + " left behind: " + e.getMessage() + ")");
                    return;
                }
                Thread.sleep(1000);
            }
        }
    }

    /** One statement on a connection of its own: its first row's first column, or null if it returns no rows. */
    private static String scalar(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            if (!s.execute(sql)) {
                return null;
            }
            try (ResultSet rows = s.getResultSet()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
