package dev.kiln.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testing.Api;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.TestDatabases;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Two Kiln processes on one PostgreSQL database (and one shared data directory, as nodes behind a
 * load balancer would have): a user's limits are one budget, wherever their requests land.
 */
class SharedLimitsAcrossNodesTest {

    private static final Map<String, String> SETTINGS = Map.of(
            "kiln.limits.requests", "20",
            "kiln.limits.max-running-jobs", "2",
            "kiln.workers.poll-interval", "200ms",
            "logging.level.dev.kiln", "WARN");

    @Test
    void twoNodesShareEachUsersRequestBudgetAndRunningLimit() throws Exception {
        String url = TestDatabases.fresh(TestDatabases.Kind.POSTGRES);
        Path home = TestDatabases.tempDir("kiln-two-nodes-");
        try (KilnProcess a = KilnProcess.start(url, home, SETTINGS);
                KilnProcess b = KilnProcess.start(url, home, SETTINGS)) {
            List<Api> nodes = List.of(a.api(), b.api());

            String member = nodes.get(0).newMember("spread");
            int allowed = 0;
            int refused = 0;
            for (int i = 0; i < 24; i++) { // 12 on each node, alternating
                int status = nodes.get(i % 2).get("/api/v1/jobs", member).status();
                allowed += status == 200 ? 1 : 0;
                refused += status == 429 ? 1 : 0;
            }
            assertThat(allowed).as("one budget of 20 for both nodes").isEqualTo(20);
            assertThat(refused).isEqualTo(4);

            String runner = nodes.get(1).newMember("runner");
            String file = nodes.get(0).textFile(runner, "two nodes");
            List<String> jobs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                jobs.add(nodes.get(i % 2).submit(runner, "test-sleep", file, "{\"ms\":1500,\"steps\":3}"));
            }
            watchRunning(url, jobs);
        }
    }

    /** Watches the jobs in the database until all have succeeded: never more than 2 run at once. */
    private static void watchRunning(String url, List<String> jobs) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int mostRunning = 0;
        Set<String> nodesSeen = new HashSet<>();
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement states =
                        c.prepareStatement("SELECT state, lease_node FROM jobs WHERE id = ANY (?)")) {
            states.setArray(1, c.createArrayOf("text", jobs.toArray()));
            while (true) {
                int running = 0;
                int succeeded = 0;
                try (ResultSet rs = states.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getString("state").equals("running")) {
                            running++;
                            nodesSeen.add(rs.getString("lease_node"));
                        }
                        succeeded += rs.getString("state").equals("succeeded") ? 1 : 0;
                    }
                }
                mostRunning = Math.max(mostRunning, running);
                assertThat(running)
                        .as("running at once, on both nodes together")
                        .isLessThanOrEqualTo(2);
                if (succeeded == jobs.size()) {
                    break;
                }
                assertThat(System.nanoTime())
                        .as("all jobs done within a minute")
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
        }
        assertThat(mostRunning)
                .as("the limit is reached, not just never exceeded")
                .isEqualTo(2);
        System.out.println("Nodes that ran the jobs: " + nodesSeen);
    }
}
