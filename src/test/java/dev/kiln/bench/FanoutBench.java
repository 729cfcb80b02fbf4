package dev.kiln.bench;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fan-out of one job's events to many WebSocket followers, Kiln against Socket.IO 4.8 in the same
 * run, alternating. Kiln (SQLite, every event durable) and the Socket.IO server each run in their
 * own process; the followers run in a third (Node, {@code bench/fanout/clients.mjs}). Per round:
 * events delivered per second, receive latency from the emit time stamped into each event
 * (p50/p99/max), clients closed, and the server process's CPU time per 1,000 events delivered
 * (utime+stime from /proc). Run with {@code bench/fanout.sh}; {@code --profile=FILE} writes a JFR profile of Kiln.
 */
public final class FanoutBench {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path NODE_DIR = Path.of("bench/fanout");
    private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux
    // HTTP/1.1: an h2c upgrade request would be taken by the Socket.IO server for a WebSocket and dropped.
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * A process's CPU time (of it in the kernel: {@code system}) and the time its threads waited for
     * a CPU, in seconds (or their growth over a round).
     */
    record Usage(double cpu, double system, double waited) {

        static Usage of(long pid) throws IOException {
            long[] ticks = cpuTicks(pid);
            return new Usage(
                    (ticks[0] + ticks[1]) / (double) CLOCK_TICKS_PER_SECOND,
                    ticks[1] / (double) CLOCK_TICKS_PER_SECOND,
                    runQueueNanos(pid) / 1e9);
        }

        Usage since(Usage before) {
            return new Usage(cpu - before.cpu, system - before.system, waited - before.waited);
        }
    }

    /**
     * @param server     the server process, from the start of the events to the last receipt
     * @param followers  the followers' process over the same time
     */
    record Round(String server, String pace, JsonNode figures, Usage serverUsage, Usage followers, boolean durable) {

        double cpuSeconds() {
            return serverUsage.cpu();
        }

        long delivered() {
            return figures.get("delivered").asLong();
        }

        double perSecond() {
            return delivered() / Math.max(1e-3, figures.get("spanMillis").asDouble() / 1000);
        }

        double cpuPerThousand() {
            return delivered() == 0 ? 0 : cpuSeconds() * 1000 / delivered() * 1000;
        }

        int closed() {
            int closed = 0;
            for (JsonNode count : figures.get("closes")) {
                closed += count.asInt();
            }
            return closed;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Bench.options(args);
        int clients = Integer.parseInt(options.getOrDefault("clients", "1000"));
        int events = Integer.parseInt(options.getOrDefault("events", "500"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "2"));
        List<Integer> intervals = Arrays.stream(
                        options.getOrDefault("intervals", "5,0").split(","))
                .map(Integer::parseInt)
                .toList();
        List<String> kilnJvm = new ArrayList<>(List.of("-XX:+UseG1GC"));
        if (options.containsKey("kiln-jvm")) {
            kilnJvm.addAll(List.of(options.get("kiln-jvm").split(" ")));
        }
        String profile = options.get("profile"); // a JFR file to write Kiln's profile to
        if (profile != null) {
            kilnJvm.add("-XX:StartFlightRecording=name=fanout,settings=profile");
        }
        try (KilnProcess kiln = KilnProcess.measured(
                        TestDatabases.fresh(TestDatabases.Kind.SQLITE),
                        TestDatabases.tempDir("kiln-fanout-bench-"),
                        Map.of(
                                "kiln.stream.max-connections-per-user", "50000",
                                "kiln.stream.max-connections-per-ip", "0",
                                "kiln.limits.requests", "0",
                                "kiln.limits.submissions", "0",
                                "kiln.processors.test-ticker.concurrency", "1",
                                "logging.level.root", "WARN",
                                "logging.level.dev.kiln", "WARN"),
                        kilnJvm);
                NodeProcess socketIo = NodeProcess.start("sio-server.mjs")) {
            int socketIoPort =
                    socketIo.nextJson(Duration.ofSeconds(30)).get("port").asInt();
            Api api = kiln.api();
            String file = api.textFile(Api.ADMIN_TOKEN, "bench");
            List<Round> measured = new ArrayList<>();
            for (int interval : intervals) {
                String pace = interval == 0 ? "no pause" : (1000 / interval) + "/s";
                // The first pair warms both up (JIT, connection paths) and is not counted.
                for (int round = 0; round <= rounds; round++) {
                    Round k = kiln(kiln, api, file, clients, events, interval, pace);
                    Round s = socketIo(socketIo, socketIoPort, clients, events, interval, pace);
                    String label = round == 0 ? "warm-up" : "round " + round;
                    System.out.printf("%-8s %s%n%-8s %s%n", label, line(k), "", line(s));
                    if (round > 0) {
                        measured.add(k);
                        measured.add(s);
                    }
                }
            }
            table(measured);
            if (profile != null) {
                System.out.println(Bench.jcmd(
                        kiln.pid(),
                        "JFR.dump name=fanout filename=" + Path.of(profile).toAbsolutePath()));
            }
        }
    }

    /** One Kiln round: followers subscribe to a queued ticker, which runs once the job ahead of it is cancelled. */
    private static Round kiln(
            KilnProcess kiln, Api api, String file, int clients, int events, int interval, String pace)
            throws Exception {
        String ahead = api.submit(Api.ADMIN_TOKEN, "test-ticker", file, "{\"count\":100000,\"intervalMs\":100}");
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> api.state(Api.ADMIN_TOKEN, ahead).equals("running"));
        String job = api.submit(
                Api.ADMIN_TOKEN, "test-ticker", file, "{\"count\":" + events + ",\"intervalMs\":" + interval + "}");
        try (NodeProcess followers = NodeProcess.start(
                "clients.mjs",
                "--target=kiln",
                "--port=" + kiln.port(),
                "--token=" + Api.ADMIN_TOKEN,
                "--job=" + job,
                "--clients=" + clients,
                "--events=" + events)) {
            followers.nextJson(Duration.ofMinutes(5)); // every follower subscribed
            Usage server = Usage.of(kiln.pid());
            Usage clients0 = Usage.of(followers.pid());
            api.postEmpty("/api/v1/jobs/" + ahead + "/cancel", Api.ADMIN_TOKEN);
            JsonNode figures = followers.nextJson(Duration.ofMinutes(10));
            Usage serverUsage = Usage.of(kiln.pid()).since(server);
            Usage followersUsage = Usage.of(followers.pid()).since(clients0);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> api.state(Api.ADMIN_TOKEN, job).equals("succeeded"));
            long stored = api.events(Api.ADMIN_TOKEN, job).stream()
                    .filter(e -> e.get("kind").asString().equals("partial"))
                    .count();
            return new Round("Kiln", pace, figures, serverUsage, followersUsage, stored == events);
        }
    }

    private static Round socketIo(NodeProcess server, int port, int clients, int events, int interval, String pace)
            throws Exception {
        try (NodeProcess followers = NodeProcess.start(
                "clients.mjs", "--target=sio", "--port=" + port, "--clients=" + clients, "--events=" + events)) {
            followers.nextJson(Duration.ofMinutes(5));
            Usage before = Usage.of(server.pid());
            Usage clients0 = Usage.of(followers.pid());
            HttpResponse<Void> started = HTTP.send(
                    HttpRequest.newBuilder(URI.create(
                                    "http://127.0.0.1:" + port + "/start?count=" + events + "&intervalMs=" + interval))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            if (started.statusCode() != 202) {
                throw new IllegalStateException("Socket.IO server answered " + started.statusCode());
            }
            JsonNode figures = followers.nextJson(Duration.ofMinutes(10));
            return new Round(
                    "Socket.IO",
                    pace,
                    figures,
                    Usage.of(server.pid()).since(before),
                    Usage.of(followers.pid()).since(clients0),
                    false);
        }
    }

    private static String line(Round r) {
        JsonNode f = r.figures();
        return String.format(
                Locale.ROOT,
                "%-9s %-8s delivered=%d/%d  %.0f msg/s  p50=%.1f ms  p99=%.1f ms  max=%.1f ms"
                        + "  closed=%d %s  unfinished=%d  out-of-order=%d  other events=%d  cpu=%.2f s (%.1f ms/1000, kernel %.2f s)"
                        + "  waited for a CPU %.2f s; followers: cpu=%.2f s, waited %.2f s, over %.2f s%s",
                r.server(),
                r.pace(),
                r.delivered(),
                f.get("expected").asLong(),
                r.perSecond(),
                f.get("p50").asDouble(),
                f.get("p99").asDouble(),
                f.get("max").asDouble(),
                r.closed(),
                f.get("closes"),
                f.get("unfinished").asInt(),
                f.get("outOfOrder").asInt(),
                f.get("otherEvents").asInt(),
                r.cpuSeconds(),
                r.cpuPerThousand(),
                r.serverUsage().system(),
                r.serverUsage().waited(),
                r.followers().cpu(),
                r.followers().waited(),
                f.get("spanMillis").asDouble() / 1000,
                r.server().equals("Kiln") ? (r.durable() ? "  durable" : "  NOT ALL STORED") : "");
    }

    private static void table(List<Round> rounds) {
        System.out.println();
        System.out.println(
                "| pace | server | msg/s | p50 ms | p99 ms | max ms | closed | CPU ms / 1,000 msgs | followers' CPU / span"
                        + " | followers waited for a CPU / span |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Round r : rounds) {
            double span = Math.max(1e-3, r.figures().get("spanMillis").asDouble() / 1000);
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %,.0f | %.1f | %.1f | %.1f | %d | %.1f | %.0f%% | %.0f%% |%n",
                    r.pace(),
                    r.server(),
                    r.perSecond(),
                    r.figures().get("p50").asDouble(),
                    r.figures().get("p99").asDouble(),
                    r.figures().get("max").asDouble(),
                    r.closed(),
                    r.cpuPerThousand(),
                    100 * r.followers().cpu() / span,
                    100 * r.followers().waited() / span);
        }
        System.out.println();
        for (int i = 0; i + 1 < rounds.size(); i += 2) {
            Round k = rounds.get(i);
            Round s = rounds.get(i + 1);
            System.out.printf(
                    Locale.ROOT,
                    "ratio Kiln/Socket.IO (%s): msg/s %.2f  p50 %.2f  p99 %.2f  CPU per msg %.2f%n",
                    k.pace(),
                    k.perSecond() / s.perSecond(),
                    k.figures().get("p50").asDouble() / s.figures().get("p50").asDouble(),
                    k.figures().get("p99").asDouble() / s.figures().get("p99").asDouble(),
                    k.cpuPerThousand() / s.cpuPerThousand());
        }
    }

    /**
     * How long the process's threads waited, runnable, for a CPU (ns; the second field of each
     * /proc/PID/task/TID/schedstat): on a shared machine, time nobody's code could run.
     */
    private static long runQueueNanos(long pid) throws IOException {
        long waited = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    waited += Long.parseLong(
                            Files.readString(task.resolve("schedstat")).trim().split(" ")[1]);
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return waited;
    }

    /** utime and stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    private static long[] cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12])};
    }

    /** A Node script of bench/fanout that speaks in JSON lines on its standard output. */
    private static final class NodeProcess implements AutoCloseable {
        private final Process process;
        private final BufferedReader out;

        private NodeProcess(Process process) {
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        static NodeProcess start(String script, String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of("node", script));
            command.addAll(List.of(args));
            return new NodeProcess(new ProcessBuilder(command)
                    .directory(NODE_DIR.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start());
        }

        long pid() {
            return process.pid();
        }

        /** The next JSON line; the read gives up (and the process is killed) after {@code patience}. */
        JsonNode nextJson(Duration patience) throws IOException {
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(patience);
                    process.destroyForcibly();
                } catch (InterruptedException stopped) {
                    // the line came in time
                }
            });
            try {
                String line = out.readLine();
                if (line == null) {
                    throw new IllegalStateException(
                            "node " + process.info().commandLine().orElse("") + " ended without an answer");
                }
                return JSON.readTree(line);
            } finally {
                watchdog.interrupt();
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
