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
import dev.kiln.nodes.ThisNode;
import dev.kiln.testing.Api;
import dev.kiln.testing.TestDatabases;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * One node against two nodes on the same PostgreSQL (embedded, fsync and synchronous commit on;
 * each node a whole Kiln in this JVM with its own pool, workers and listening connection, sharing
 * one data directory):
 * <ol>
 *   <li>job throughput: {@code --jobs} no-op jobs submitted in bulk, run by every node's workers;</li>
 *   <li>event latency: {@code --followers} jobs report progress every {@code --interval-ms}; one
 *       WebSocket client per job, connected to a node that does <em>not</em> run it when there are
 *       two (so every event crosses nodes: committed on B, a notice, read back on A), to the only
 *       node otherwise; p50/p95/p99 from the progress() call to receipt.</li>
 * </ol>
 * Run with {@code bench/nodes.sh [--jobs=20000] [--workers=16] [--followers=20] [--interval-ms=500] [--seconds=20]}.
 */
public final class NodesBench {

    private static final Pattern STAGE_TIME = Pattern.compile("\"stage\":\"t=(\\d+)\"");

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        int jobs = Integer.parseInt(options.getOrDefault("jobs", "20000"));
        int workers = Integer.parseInt(options.getOrDefault("workers", "16"));
        int followers = Integer.parseInt(options.getOrDefault("followers", "20"));
        // 500 ms: above the stored progress spacing (250 ms), so every report is written at once.
        int intervalMs = Integer.parseInt(options.getOrDefault("interval-ms", "500"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "20"));
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .start()) {
            System.out.printf(
                    "%-6s %8s %8s %10s %10s | %9s %8s %8s %8s %8s%n",
                    "nodes", "jobs", "workers", "total_s", "jobs/s", "samples", "p50_ms", "p95_ms", "p99_ms", "max_ms");
            for (int nodes = 1; nodes <= 2; nodes++) {
                run(postgres, nodes, jobs, workers, followers, intervalMs, seconds);
            }
        }
    }

    private static void run(
            EmbeddedPostgres postgres, int nodeCount, int jobs, int workers, int followers, int intervalMs, int seconds)
            throws Exception {
        String name = "kiln_nodes_bench_" + nodeCount;
        try (Connection c = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        String url = postgres.getJdbcUrl("postgres", name);
        Path home = TestDatabases.tempDir("kiln-nodes-bench-");
        List<ConfigurableApplicationContext> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < nodeCount; i++) {
                nodes.add(node(url, home, workers, followers)); // one after the other: the first creates the schema
            }
            double[] throughput = throughput(nodes, jobs);
            long[] latencies = latency(nodes, followers, intervalMs, seconds);
            System.out.printf(
                    Locale.ROOT,
                    "%-6d %8d %8d %10.2f %10.0f | %9d %8.1f %8.1f %8.1f %8.1f%n",
                    nodeCount,
                    jobs,
                    workers,
                    throughput[0],
                    throughput[1],
                    latencies.length,
                    Bench.percentile(latencies, 50) / 1000.0,
                    Bench.percentile(latencies, 95) / 1000.0,
                    Bench.percentile(latencies, 99) / 1000.0,
                    latencies.length == 0 ? 0 : latencies[latencies.length - 1] / 1000.0);
        } finally {
            nodes.reversed().forEach(ConfigurableApplicationContext::close);
        }
    }

    private static ConfigurableApplicationContext node(String url, Path home, int workers, int followers) {
        // As arguments, not default properties: those would lose to application.yaml (its port 8080).
        return new SpringApplicationBuilder(KilnApplication.class)
                .run(
                        "--server.port=0",
                        "--kiln.database.url=" + url,
                        "--kiln.home=" + home,
                        "--kiln.admin.token=bench",
                        "--kiln.processors.test-noop.concurrency=" + workers,
                        "--kiln.processors.test-pulse.concurrency=" + followers,
                        "--kiln.limits.max-running-jobs=0",
                        "--kiln.limits.requests=0",
                        "--kiln.stream.max-connections-per-ip=0",
                        "--kiln.stream.max-connections-per-user=10000",
                        "--logging.level.root=WARN",
                        "--logging.level.dev.kiln=" + System.getProperty("bench.log", "WARN"));
    }

    /** Seconds from the first submission to the last finish, and jobs per second. */
    private static double[] throughput(List<ConfigurableApplicationContext> nodes, int jobs) throws Exception {
        ConfigurableApplicationContext first = nodes.getFirst();
        User owner = first.getBean(Users.class)
                .create("bench-" + System.nanoTime(), Role.MEMBER)
                .orElseThrow();
        FileInfo file = first.getBean(FileIntake.class)
                .accept(
                        owner.id(),
                        new ByteArrayInputStream("bench input".getBytes(StandardCharsets.UTF_8)),
                        "bench.txt");
        Database database = first.getBean(Database.class);
        long startMillis = System.currentTimeMillis();
        long start = System.nanoTime();
        for (int submitted = 0, batchNo = 0; submitted < jobs; submitted += 1000, batchNo++) {
            List<NewJob> batch = new ArrayList<>(1000);
            for (int i = submitted; i < Math.min(jobs, submitted + 1000); i++) {
                batch.add(NewJob.of(owner.id(), "test-noop", file.id(), JsonNodeFactory.instance.objectNode(), 0, 3));
            }
            // Submissions spread over the nodes, as a load balancer would.
            nodes.get(batchNo % nodes.size()).getBean(JobStore.class).submitAll(batch);
        }
        String done =
                "SELECT COUNT(*) FROM jobs WHERE type = 'test-noop' AND state IN ('succeeded', 'failed', 'cancelled')";
        while (count(database, done) < jobs) {
            Thread.sleep(250);
            if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
                throw new IllegalStateException("did not finish within 10 minutes");
            }
        }
        double total =
                (count(database, "SELECT MAX(finished_at) FROM jobs WHERE type = 'test-noop'") - startMillis) / 1000.0;
        long once = count(
                database, "SELECT COUNT(*) FROM jobs WHERE type = 'test-noop' AND state = 'succeeded' AND attempt = 1");
        if (once != jobs) {
            throw new IllegalStateException("only " + once + " of " + jobs + " jobs succeeded on their first attempt");
        }
        return new double[] {total, jobs / total};
    }

    /** Microseconds from progress() on the node running a job to receipt by a client of the other node (or the only one). */
    private static long[] latency(
            List<ConfigurableApplicationContext> nodes, int followers, int intervalMs, int seconds) throws Exception {
        Map<String, Integer> ports = new HashMap<>();
        for (ConfigurableApplicationContext node : nodes) {
            ports.put(
                    node.getBean(ThisNode.class).id(),
                    Integer.parseInt(node.getEnvironment().getProperty("local.server.port")));
        }
        Database database = nodes.getFirst().getBean(Database.class);
        Api api = new Api(ports.values().iterator().next());
        String file = api.textFile("bench", "pulse");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < followers; i++) {
            ids.add(api.submit("bench", "test-pulse", file, "{\"count\":1000000,\"intervalMs\":" + intervalMs + "}"));
        }
        Map<String, String> runsOn = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (runsOn.size() < ids.size()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pulse jobs did not all start within a minute");
            }
            Thread.sleep(100);
            for (String id : ids) {
                database.sql()
                        .sql("SELECT lease_node FROM jobs WHERE id = ? AND state = 'running'")
                        .param(id)
                        .query(String.class)
                        .optional()
                        .ifPresent(node -> runsOn.put(id, node));
            }
        }
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicBoolean measuring = new AtomicBoolean();
        List<WebSocket> sockets = new ArrayList<>();
        for (String id : ids) {
            int port = ports.entrySet().stream()
                    .filter(e -> nodes.size() == 1 || !e.getKey().equals(runsOn.get(id)))
                    .findFirst()
                    .orElseThrow()
                    .getValue();
            sockets.add(Bench.openStream(
                    port,
                    "bench",
                    text -> {
                        Matcher m = STAGE_TIME.matcher(text);
                        if (measuring.get() && m.find()) {
                            Instant now = Instant.now();
                            latencies.add(now.getEpochSecond() * 1_000_000
                                    + now.getNano() / 1_000
                                    - Long.parseLong(m.group(1)));
                        }
                    },
                    "{\"type\":\"subscribe\",\"jobs\":[\"" + id + "\"]}"));
        }
        Thread.sleep(3_000); // warm up
        measuring.set(true);
        Thread.sleep(seconds * 1000L);
        measuring.set(false);
        sockets.forEach(WebSocket::abort);
        for (String id : ids) {
            api.postEmpty("/api/v1/jobs/" + id + "/cancel", "bench");
        }
        return latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static long count(Database database, String sql) {
        return database.sql().sql(sql).query(Long.class).single();
    }
}
