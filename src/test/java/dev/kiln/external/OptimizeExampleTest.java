package dev.kiln.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Python;
import dev.kiln.testing.PythonWorker;
import dev.kiln.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The lineup optimiser example (examples/optimize) as a real worker process against a real Kiln: a
 * file-less job reports progress and ever better partial lineups and ends on the brute-force optimum;
 * the same spec again reuses the cached scenarios; an impossible spec fails as {@code infeasible}; bad
 * params are refused at submission; a cancel stops it at once.
 */
@TestPropertySource(properties = "kiln.test.database=sqlite")
class OptimizeExampleTest extends ApiTestBase {

    private static final Path EXAMPLE = Path.of("examples", "optimize");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    record Player(String id, String position, int salary, double mean, Map<String, Object> projection) {}

    private static Player normal(String id, String position, int salary, double mean, double sd) {
        return new Player(id, position, salary, mean, Map.of("mean", mean, "sd", sd));
    }

    /** Ten players, four in a lineup (two G, one F, one C) under a cap of 20,000: 210 lineups to try by hand. */
    private static final List<Player> PLAYERS = List.of(
            normal("g1", "G", 6500, 31, 3),
            normal("g2", "G", 5200, 26, 2.5),
            new Player("g3", "G", 4100, 22, Map.of("distribution", "lognormal", "mean", 22, "sd", 4)),
            normal("g4", "G", 3000, 14, 2),
            normal("f1", "F", 7000, 35, 3),
            new Player("f2", "F", 4800, 24, Map.of("distribution", "triangular", "low", 18, "mode", 24, "high", 30)),
            normal("f3", "F", 3500, 17.5, 2),
            normal("c1", "C", 6000, 30, 3),
            normal("c2", "C", 3900, 20.5, 2),
            new Player("u1", "U", 2000, 50, Map.of("mean", 50, "sd", 1)));

    private static final Map<String, Integer> POSITIONS = Map.of("G", 2, "F", 1, "C", 1);
    private static final int CAP = 20_000;
    private static final int SIZE = 4;

    private PythonWorker worker;
    private String member;

    @BeforeEach
    void startTheWorker() {
        assumeTrue(Python.available(), "python3 (3.9+) is installed (.ci/run installs it)");
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String token = api.newWorker("optimizer-" + suffix);
        member = api.newMember("optimize-owner-" + suffix);
        Path cache = TestDatabases.tempDir("kiln-optimize-cache-");
        worker = PythonWorker.start(
                EXAMPLE.resolve("optimize.py"),
                List.of("--name", "optimizer-" + suffix, "--cache-dir", cache.toString(), "--grace", "2"),
                "http://127.0.0.1:" + port,
                token,
                Map.of());
        await().atMost(WAIT).until(() -> declared() || !worker.alive());
        assertThat(worker.alive()).as(worker.log()).isTrue();
    }

    @AfterEach
    void stopTheWorker() throws InterruptedException {
        if (worker != null) {
            worker.close();
        }
    }

    private boolean declared() {
        return api.get("/api/v1/processors", member)
                .json()
                .get("items")
                .valueStream()
                .anyMatch(p -> p.get("name").asString().equals("optimize"));
    }

    @Test
    void aSmallCaseEndsOnTheBruteForceOptimumAndTheSameSpecAgainHitsTheCache() {
        List<List<Player>> ranked = feasibleLineupsBestFirst();
        double margin = total(ranked.get(0)) - total(ranked.get(1));
        assertThat(margin).as("the optimum stands clear of sampling noise").isGreaterThan(1.5);
        List<String> optimum = ids(ranked.get(0));
        String params = params(PLAYERS, Map.of("scenarios", 4000, "seed", 11));

        Run first = run(params);
        Run second = run(params);

        for (Run run : List.of(first, second)) {
            assertThat(run.state()).as(run.toString()).isEqualTo("succeeded");
            assertThat(run.kinds()).contains("progress");
            List<JsonNode> partials = run.partials();
            assertThat(partials)
                    .extracting(p -> p.get("batch").asInt())
                    .containsExactlyElementsOf(
                            IntStream.rangeClosed(1, 20).boxed().toList());
            List<Double> expected =
                    partials.stream().map(p -> p.get("expected").asDouble()).toList();
            assertThat(expected).as("the best so far never gets worse").isSorted();
            partials.forEach(p -> assertRespectsTheConstraints(strings(p.get("lineup")), p.get("salary")));

            JsonNode result = run.result();
            assertThat(strings(result.get("lineup"))).containsExactlyInAnyOrderElementsOf(optimum);
            assertRespectsTheConstraints(strings(result.get("lineup")), result.get("salary"));
            assertThat(result.get("expected").asDouble()).isCloseTo(total(ranked.get(0)), within(0.5));
            assertThat(result.get("p10").asDouble())
                    .isLessThan(result.get("p90").asDouble());
            assertThat(result.get("rejectionRate").asDouble()).isBetween(0.0, 1.0);
            assertThat(result.get("scenarios").asInt()).isEqualTo(4000);
            assertThat(result.get("seed").asLong()).isEqualTo(11);
            assertThat(result.get("calibration").get("coverage80").get("mean").asDouble())
                    .isBetween(0.77, 0.83);
        }
        assertThat(first.result().get("cache").asString()).isEqualTo("miss");
        assertThat(second.result().get("cache").asString()).isEqualTo("hit");
        for (String same : List.of("lineup", "expected", "p10", "p90", "calibration")) {
            assertThat(second.result().get(same))
                    .as(same)
                    .isEqualTo(first.result().get(same));
        }
    }

    @Test
    void theReadmeExampleRunsByItsNinetiethPercentile() throws IOException {
        JsonNode candidates = JSON.readTree(Files.readString(EXAMPLE.resolve("candidates.json")));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("candidates", candidates);
        params.put("salaryCap", 50000);
        params.put("lineupSize", 8);
        params.put("positions", JSON.readTree("""
                {"G": {"min": 3, "max": 4}, "F": {"min": 3, "max": 4}, "C": {"min": 1, "max": 2}}"""));
        params.put("scenarios", 2000);
        params.put("seed", 7);
        params.put("objective", "p90");

        Run run = run(JSON.writeValueAsString(params));

        assertThat(run.state()).as(run.toString()).isEqualTo("succeeded");
        List<Double> scores =
                run.partials().stream().map(p -> p.get("score").asDouble()).toList();
        assertThat(scores).isSorted();
        JsonNode result = run.result();
        assertThat(result.get("score")).isEqualTo(result.get("p90"));
        assertThat(result.get("lineup")).hasSize(8);
        assertThat(result.get("salary").asDouble()).isLessThanOrEqualTo(50000);
        Map<String, Integer> counts = new HashMap<>();
        result.get("players").forEach(p -> counts.merge(p.get("position").asString(), 1, Integer::sum));
        assertThat(counts.get("G")).isBetween(3, 4);
        assertThat(counts.get("F")).isBetween(3, 4);
        assertThat(counts.get("C")).isBetween(1, 2);
    }

    @Test
    void anImpossibleSpecFailsAsInfeasibleWithoutARetry() {
        Run run = run(params(PLAYERS, Map.of("positions", Map.of("C", 3), "seed", 1)));

        assertThat(run.state()).as(run.toString()).isEqualTo("failed");
        JsonNode error = api.job(member, run.id()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("infeasible");
        assertThat(error.get("retryable").asBoolean()).isFalse();
        assertThat(error.get("message").asString()).contains("positions.C", "only 2 candidates have position C");
        assertThat(api.job(member, run.id()).get("attempt").asInt()).isEqualTo(1);
        assertThat(run.kinds()).doesNotContain("partial");
    }

    @Test
    void badParamsAreRefusedAtSubmissionNamingTheField() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("params.salaryCap", params(PLAYERS, Map.of("salaryCap", 0)));
        cases.put("params.scenarios", params(PLAYERS, Map.of("scenarios", 50)));
        cases.put("params.objective", params(PLAYERS, Map.of("objective", "best")));
        cases.put("params.lineupSize", "{\"candidates\":[],\"salaryCap\":10}");
        cases.put(
                "params.candidates[1].projection.sd",
                params(List.of(PLAYERS.get(0), new Player("x", "G", 1, 1, Map.of("mean", 1, "sd", -1))), Map.of()));
        cases.put(
                "params.candidates[0].projection.high",
                params(
                        List.of(new Player("x", "G", 1, 1, Map.of("distribution", "triangular", "low", 0, "mode", 1))),
                        Map.of()));

        cases.forEach((field, params) -> {
            Api.Response refused =
                    api.post("/api/v1/jobs", member, "{\"type\":\"optimize\",\"params\":" + params + "}");
            assertThat(refused.status()).as(field + ": " + refused).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("invalid_params");
            assertThat(refused.json()
                            .get("errors")
                            .valueStream()
                            .map(e -> e.get("field").asString()))
                    .as(refused.toString())
                    .contains(field);
        });
    }

    @Test
    void aCancelStopsTheJobAtOnce() {
        List<Player> many = IntStream.range(0, 100)
                .mapToObj(i -> normal("p" + i, "G", 1000 + i, 10 + i % 7, 3))
                .toList();
        String job = submit(params(many, Map.of("scenarios", 200_000, "positions", Map.of(), "seed", 3)));
        await().atMost(WAIT).until(() -> api.job(member, job).path("progress").asDouble(0) > 0);

        assertThat(api.postEmpty("/api/v1/jobs/" + job + "/cancel", member).status())
                .isEqualTo(202);
        await().atMost(Duration.ofSeconds(5)).until(() -> api.state(member, job).equals("cancelled"));
    }

    // --- helpers ---

    private record Run(String id, List<JsonNode> events, JsonNode result) {

        String state() {
            return events.getLast().get("data").get("state").asString();
        }

        List<String> kinds() {
            return events.stream().map(e -> e.get("kind").asString()).toList();
        }

        List<JsonNode> partials() {
            return events.stream()
                    .filter(e -> e.get("kind").asString().equals("partial"))
                    .map(e -> e.get("data"))
                    .toList();
        }
    }

    private Run run(String params) {
        String job = submit(params);
        List<JsonNode> events = api.events(member, job);
        Api.Response result = api.get("/api/v1/jobs/" + job + "/result", member);
        return new Run(job, events, result.status() == 200 ? result.json() : null);
    }

    private String submit(String params) {
        Api.Response submitted = api.post("/api/v1/jobs", member, "{\"type\":\"optimize\",\"params\":" + params + "}");
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        return submitted.json().get("id").asString();
    }

    private static String params(List<Player> players, Map<String, Object> changes) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put(
                "candidates",
                players.stream()
                        .map(p -> Map.of(
                                "id",
                                p.id(),
                                "position",
                                p.position(),
                                "salary",
                                p.salary(),
                                "projection",
                                p.projection()))
                        .toList());
        params.put("salaryCap", CAP);
        params.put("lineupSize", SIZE);
        params.put("positions", POSITIONS);
        params.putAll(changes);
        return JSON.writeValueAsString(params);
    }

    /** Every lineup the constraints allow, best first by the declared means. */
    private static List<List<Player>> feasibleLineupsBestFirst() {
        List<List<Player>> lineups = new ArrayList<>();
        combinations(0, new ArrayList<>(), lineups);
        return lineups.stream()
                .filter(OptimizeExampleTest::allowed)
                .sorted(Comparator.comparingDouble(OptimizeExampleTest::total).reversed())
                .toList();
    }

    private static void combinations(int from, List<Player> chosen, List<List<Player>> into) {
        if (chosen.size() == SIZE) {
            into.add(List.copyOf(chosen));
            return;
        }
        for (int i = from; i < PLAYERS.size(); i++) {
            chosen.add(PLAYERS.get(i));
            combinations(i + 1, chosen, into);
            chosen.removeLast();
        }
    }

    private static boolean allowed(List<Player> lineup) {
        Map<String, Integer> counts = new HashMap<>();
        lineup.forEach(p -> counts.merge(p.position(), 1, Integer::sum));
        return lineup.size() == SIZE
                && lineup.stream().mapToInt(Player::salary).sum() <= CAP
                && POSITIONS.entrySet().stream()
                        .allMatch(e -> counts.getOrDefault(e.getKey(), 0).equals(e.getValue()));
    }

    private static void assertRespectsTheConstraints(List<String> ids, JsonNode salary) {
        List<Player> lineup = PLAYERS.stream().filter(p -> ids.contains(p.id())).toList();
        assertThat(lineup).as("known players, none twice").hasSize(ids.size());
        assertThat(allowed(lineup)).as(ids.toString()).isTrue();
        assertThat(salary.asInt())
                .isEqualTo(lineup.stream().mapToInt(Player::salary).sum());
    }

    private static double total(List<Player> lineup) {
        return lineup.stream().mapToDouble(Player::mean).sum();
    }

    private static List<String> ids(List<Player> lineup) {
        return lineup.stream().map(Player::id).toList();
    }

    private static List<String> strings(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }
}
