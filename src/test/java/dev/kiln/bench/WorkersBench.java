package dev.kiln.bench;

import dev.kiln.KilnApplication;
import dev.kiln.auth.ApiTokens;
import dev.kiln.auth.Role;
import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.db.Database;
import dev.kiln.files.FileIntake;
import dev.kiln.jobs.JobStore;
import dev.kiln.jobs.NewJob;
import dev.kiln.testing.Api;
import dev.kiln.testing.TestDatabases;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * External workers' throughput and latency (bench/workers.sh): N no-op jobs submitted in bulk and
 * run by W Python worker processes over HTTP, for each W, beside the same number run by the
 * node's in-process pool; CPU per job counts Kiln's process and the workers'. Then one idle
 * Python worker waiting in a claim, and jobs submitted one at a time: submit-to-start latency.
 */
public final class WorkersBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        int jobs = Integer.parseInt(options.getOrDefault("jobs", "5000"));
        int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "16"));
        List<Integer> workers = Arrays.stream(
                        options.getOrDefault("workers", "1,2,4").split(","))
                .map(Integer::parseInt)
                .toList();
        int samples = Integer.parseInt(options.getOrDefault("latency-samples", "200"));
        boolean postgres = options.getOrDefault("db", "sqlite").equals("postgres");
        if (postgres) {
            try (EmbeddedPostgres durable = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .start()) {
                run(durable.getJdbcUrl("postgres", "postgres"), jobs, concurrency, workers, samples);
            }
        } else {
            run(TestDatabases.fresh(TestDatabases.Kind.SQLITE), jobs, concurrency, workers, samples);
        }
    }

    private static void run(String url, int jobs, int concurrency, List<Integer> workerCounts, int samples)
            throws Exception {
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(KilnApplication.class)
                .properties(
                        "kiln.database.url=" + url,
                        "kiln.home=" + TestDatabases.tempDir("kiln-bench-"),
                        "kiln.admin.token=bench",
                        "kiln.processors.test-noop.concurrency=" + concurrency,
                        "kiln.limits.max-running-jobs=0",
                        "kiln.limits.requests=0",
                        "kiln.limits.submissions=0",
                        "kiln.limits.max-queued-jobs=0",
                        "logging.level.root=WARN",
                        "logging.level.dev.kiln=WARN")
                // Any free port: as an argument, since application.yaml (port 8080) beats default properties.
                .run("--server.port=0")) {
            Setup setup = new Setup(app);
            System.out.printf(
                    "%-22s %7s %9s %9s %12s %12s %12s%n",
                    "contestant", "jobs", "total_s", "jobs/s", "kiln_us/job", "py_us/job", "cpu_us/job");
            // Unmeasured first: the JIT compiles the HTTP path for seconds, which would count as the first round's CPU.
            setup.warmUp(jobs, concurrency);
            for (int w : workerCounts) {
                setup.external(w, jobs, concurrency);
                setup.inProcess(jobs);
            }
            setup.latency(samples);
            setup.requestCost(3000);
        }
    }

    /** One Kiln, its users and the measurements. */
    private static final class Setup {
        private final JobStore store;
        private final Database db;
        private final User owner;
        private final String workerToken;
        private final String fileId;
        private final String url;
        private final long kilnPid = ProcessHandle.current().pid();
        private final io.micrometer.core.instrument.MeterRegistry meters;

        Setup(ConfigurableApplicationContext app) throws Exception {
            Users users = app.getBean(Users.class);
            owner = users.create("bench-owner", Role.MEMBER).orElseThrow();
            User worker = users.create("bench-worker", Role.WORKER).orElseThrow();
            workerToken = app.getBean(ApiTokens.class)
                    .issue(worker.id(), "bench", null)
                    .token();
            fileId = app.getBean(FileIntake.class)
                    .accept(owner.id(), new ByteArrayInputStream("x".getBytes(StandardCharsets.UTF_8)), "x.txt")
                    .id();
            store = app.getBean(JobStore.class);
            meters = app.getBean(io.micrometer.core.instrument.MeterRegistry.class);
            db = app.getBean(Database.class);
            url = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
            Api api = new Api(url);
            if (api.send(api.request("/api/v1/worker/processors/bench-noop", workerToken)
                                    .header("Content-Type", "application/json")
                                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"accepts\":[\"none\"]}"))
                                    .build())
                            .status()
                    != 200) {
                throw new IllegalStateException("could not declare bench-noop");
            }
        }

        void warmUp(int jobs, int concurrency) throws Exception {
            PrintStream out = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                external(2, jobs, concurrency);
                inProcess(jobs);
                requestCost(3000);
            } finally {
                System.setOut(out);
            }
        }

        void external(int workers, int jobs, int concurrency) throws Exception {
            List<Process> processes = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                processes.add(python(
                        Map.of("BENCH_CONCURRENCY", Integer.toString(concurrency), "WORKER_NAME", "bench-" + i)));
            }
            Thread.sleep(2000); // declared and waiting in a claim
            long pyBefore =
                    processes.stream().mapToLong(p -> ProcCpu.process(p.pid())).sum();
            Measured m = measure("bench-noop", null, jobs);
            long py =
                    processes.stream().mapToLong(p -> ProcCpu.process(p.pid())).sum() - pyBefore;
            stop(processes);
            print("python x" + workers + " (http)", jobs, m, py);
        }

        void inProcess(int jobs) throws Exception {
            Measured m = measure("test-noop", fileId, jobs);
            print("in-process", jobs, m, 0);
        }

        private record Measured(double seconds, long kilnMicros, Map<String, Long> requests) {}

        /** HTTP requests served so far, per method and URI template. */
        private Map<String, Long> requests() {
            Map<String, Long> counts = new java.util.TreeMap<>();
            meters.find("http.server.requests")
                    .timers()
                    .forEach(t -> counts.merge(
                            t.getId().getTag("method") + " " + t.getId().getTag("uri"), t.count(), Long::sum));
            return counts;
        }

        private Measured measure(String type, String file, int jobs) throws Exception {
            long cpuBefore = ProcCpu.process(kilnPid);
            Map<String, Long> requestsBefore = requests();
            long done = count("SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'");
            long startMillis = System.currentTimeMillis();
            for (int submitted = 0; submitted < jobs; submitted += 1000) {
                List<NewJob> batch = new ArrayList<>();
                for (int i = submitted; i < Math.min(jobs, submitted + 1000); i++) {
                    batch.add(NewJob.of(owner.id(), type, file, JsonNodeFactory.instance.objectNode(), 0, 3));
                }
                store.submitAll(batch);
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (count("SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'") < done + jobs) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not done within 10 minutes");
                }
                Thread.sleep(100);
            }
            double seconds = (count("SELECT MAX(finished_at) FROM jobs") - startMillis) / 1000.0;
            Map<String, Long> made = requests();
            requestsBefore.forEach((k, v) -> made.merge(k, -v, Long::sum));
            made.values().removeIf(v -> v == 0);
            return new Measured(seconds, ProcCpu.process(kilnPid) - cpuBefore, made);
        }

        /** What one small authenticated request costs Kiln, for scale: a worker's heartbeat on a job it does not hold. */
        void requestCost(int requests) throws Exception {
            Api api = new Api(url);
            long cpu = ProcCpu.process(kilnPid);
            long start = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                api.post("/api/v1/worker/jobs/job_" + "a".repeat(26) + "/heartbeat", workerToken, "{\"lease\":\"x\"}");
            }
            System.out.printf(
                    Locale.ROOT,
                    "one request (a heartbeat answered 404), sequential: %.0f µs wall, %.0f µs of Kiln's CPU (client included)%n",
                    (System.nanoTime() - start) / 1000.0 / requests,
                    (double) (ProcCpu.process(kilnPid) - cpu) / requests);
        }

        void latency(int samples) throws Exception {
            Map<String, Long> started = new ConcurrentHashMap<>();
            Process worker = python(Map.of("BENCH_STARTS", "1", "BENCH_CONCURRENCY", "4", "WORKER_NAME", "bench-idle"));
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader out =
                        new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        String[] f = line.split(" ");
                        if (f.length == 3 && f[0].equals("start")) {
                            started.put(f[1], Long.parseLong(f[2]));
                        }
                    }
                } catch (java.io.IOException e) {
                    // the worker is gone
                }
            });
            Thread.sleep(2000);
            long[] latencies = new long[samples];
            for (int i = 0; i < samples; i++) {
                long submitted = System.currentTimeMillis();
                String id = store.submitAll(List.of(
                                NewJob.of(owner.id(), "bench-noop", null, JsonNodeFactory.instance.objectNode(), 0, 3)))
                        .getFirst()
                        .id();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!started.containsKey(id) && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                latencies[i] = started.getOrDefault(id, submitted + 10_000) - submitted;
                Thread.sleep(50); // idle again: the worker waits in its claim
            }
            stop(List.of(worker));
            Arrays.sort(latencies);
            System.out.printf(
                    Locale.ROOT,
                    "idle submit-to-start, one python worker waiting: %d jobs, p50 %.0f ms, p99 %.0f ms, max %d ms%n",
                    samples,
                    Bench.percentile(latencies, 50),
                    Bench.percentile(latencies, 99),
                    latencies[samples - 1]);
        }

        private Process python(Map<String, String> env) throws Exception {
            ProcessBuilder builder = new ProcessBuilder("python3", "bench/workers/noop_worker.py");
            builder.environment()
                    .put(
                            "PYTHONPATH",
                            Path.of("clients/python").toAbsolutePath().toString());
            builder.environment().put("KILN_URL", url);
            builder.environment().put("KILN_TOKEN", workerToken);
            builder.environment().putAll(env);
            builder.redirectError(ProcessBuilder.Redirect.INHERIT);
            return builder.start();
        }

        private static void stop(List<Process> processes) throws InterruptedException {
            processes.forEach(Process::destroy);
            for (Process p : processes) {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }

        private long count(String sql) {
            Long n = db.sql().sql(sql).query(Long.class).single();
            return n == null ? 0 : n;
        }

        private static void print(String who, int jobs, Measured m, long pyMicros) {
            System.out.printf(
                    Locale.ROOT,
                    "%-22s %7d %9.2f %9.0f %12.0f %12.0f %12.0f%n",
                    who,
                    jobs,
                    m.seconds(),
                    jobs / m.seconds(),
                    (double) m.kilnMicros() / jobs,
                    (double) pyMicros / jobs,
                    (double) (m.kilnMicros() + pyMicros) / jobs);
            if (!m.requests().isEmpty()) {
                StringBuilder per = new StringBuilder("    HTTP requests per job:");
                m.requests()
                        .forEach((k, v) -> per.append(String.format(Locale.ROOT, " %s %.2f;", k, (double) v / jobs)));
                System.out.println(per);
            }
        }
    }
}
