package dev.kiln.ops;

import static dev.kiln.testing.PrometheusText.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Gates;
import dev.kiln.testing.StreamClient;
import dev.kiln.uploads.TusRequests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code /actuator/prometheus}: admins only, and every Kiln series is on it by name after a Kiln
 * ran jobs that succeed, fail, retry and are cancelled, served a WebSocket and an SSE follower
 * and took a tus upload.
 */
abstract class MetricsContract extends ApiTestBase {

    private static final String PROMETHEUS = "/actuator/prometheus";
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Every Kiln series, as Prometheus names its samples. */
    private static final List<String> SERIES = List.of(
            "kiln_jobs_submitted_total",
            "kiln_jobs_started_total",
            "kiln_jobs_succeeded_total",
            "kiln_jobs_failed_total",
            "kiln_jobs_cancelled_total",
            "kiln_jobs_retried_total",
            "kiln_jobs_lease_rescues_total",
            "kiln_jobs_errors_total",
            "kiln_requests_refused_total",
            "kiln_websocket_closes_total",
            "kiln_events_delivery_seconds_bucket",
            "kiln_storage_free_bytes",
            "kiln_storage_min_free_bytes",
            "kiln_jobs_run_time_seconds_bucket",
            "kiln_jobs_run_time_seconds_count",
            "kiln_jobs_run_time_seconds_sum",
            "kiln_jobs_wait_time_seconds_bucket",
            "kiln_jobs_wait_time_seconds_count",
            "kiln_queue_depth",
            "kiln_queue_oldest_age_seconds",
            "kiln_websocket_connections",
            "kiln_websocket_messages_sent_total",
            "kiln_websocket_messages_dropped_total",
            "kiln_websocket_slow_consumer_closes_total",
            "kiln_websocket_resubscriptions_total",
            "kiln_sse_connections",
            "kiln_sse_messages_sent_total",
            "kiln_sse_messages_dropped_total",
            "kiln_sse_slow_consumer_closes_total",
            "kiln_sse_resubscriptions_total",
            "kiln_uploads_active",
            "kiln_uploads_received_bytes_total",
            "kiln_transcribe_realtime_factor_count",
            "kiln_transcribe_realtime_factor_bucket",
            "kiln_transcribe_audio_seconds_total",
            "kiln_extract_pages_total",
            "kiln_search_rerank_calls_total",
            "kiln_webhook_deliveries_total");

    @Test
    void onlyAdminsMayScrape() {
        Api.Response anonymous = api.get(PROMETHEUS, null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.code()).isEqualTo("unauthenticated");

        Api.Response member = api.get(PROMETHEUS, api.newMember("metrics-member"));
        assertThat(member.status()).isEqualTo(403);
        assertThat(member.code()).isEqualTo("forbidden");

        Api.Response admin = api.get(PROMETHEUS, Api.ADMIN_TOKEN);
        assertThat(admin.status()).isEqualTo(200);
        assertThat(admin.header("Content-Type").orElseThrow()).startsWith("text/plain");
        // Health stays public, and the JSON metrics endpoint is not exposed at all.
        assertThat(api.get("/actuator/health/liveness", null).status()).isEqualTo(200);
        assertThat(api.get("/actuator/metrics", Api.ADMIN_TOKEN).status()).isEqualTo(404);
    }

    @Test
    void aTypeExternalWorkersDeclaredHasItsQueueSeriesOnceAJobOfItWaits() {
        String type = api.idleProcessor();
        String token = api.newMember("metrics-" + UUID.randomUUID().toString().substring(0, 8));
        String job = api.submit(token, type, api.textFile(token, "waits"), "{}"); // no worker claims it

        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            String scrape = scrape();
            assertThat(sample(scrape, "kiln_queue_depth", "type", type)).contains(1.0);
            assertThat(sample(scrape, "kiln_queue_oldest_age_seconds", "type", type))
                    .isPresent();
        });
        api.delete("/api/v1/jobs/" + job, token);
    }

    @Test
    void everySeriesIsExposedAndWorkMovesThem() throws Exception {
        String token = api.newMember("metrics-" + UUID.randomUUID().toString().substring(0, 8));
        String file = api.textFile(token, "metrics");
        String before = scrape();

        String succeeded = api.submit(token, "test-noop", file, "{}");
        String failed = api.submit(token, "test-fail", file, "{\"retryable\":false}");
        String retriedThenSucceeded = api.submit(token, "test-fail", file, "{\"failures\":1,\"code\":\"io_error\"}");
        String gate = "metrics-" + UUID.randomUUID();
        String cancelled = api.submit(token, "test-gate", file, "{\"gate\":\"" + gate + "\"}");
        awaitState(token, succeeded, "succeeded");
        awaitState(token, failed, "failed");
        awaitState(token, retriedThenSucceeded, "succeeded");
        awaitState(token, cancelled, "running");
        assertThat(api.postEmpty("/api/v1/jobs/" + cancelled + "/cancel", token).status())
                .isLessThan(300);
        awaitState(token, cancelled, "cancelled");
        Gates.open(gate);
        assertThat(api.postEmpty("/api/v1/jobs/" + failed + "/retry", token).status())
                .isLessThan(300);
        awaitState(token, failed, "failed");

        long seq = api.job(token, succeeded).get("seq").asLong();
        String liveGate = "metrics-live-" + UUID.randomUUID();
        String followed = api.submit(token, "test-gate", file, "{\"gate\":\"" + liveGate + "\"}");
        awaitState(token, followed, "running");
        try (StreamClient client = StreamClient.connect(api, port, token)) {
            // A job's events written while a follower is there: their delivery is timed.
            client.send("{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + followed + "\",\"after\":0}]}");
            client.await("subscribed", WAIT);
            Gates.open(liveGate);
            awaitState(token, followed, "succeeded");
            await().atMost(WAIT)
                    .until(() -> sample(scrape(), "kiln_events_delivery_seconds_count", "transport", "websocket")
                                    .orElse(0.0)
                            >= 1);
            client.send(
                    "{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + succeeded + "\",\"after\":" + (seq + 100) + "}]}");
            assertThat(client.await("subscribed", WAIT).get("recovered").asBoolean())
                    .isFalse();
            client.send("{\"type\":\"subscribe\",\"jobs\":[{\"id\":\"" + succeeded + "\",\"after\":0}]}");
            assertThat(client.await("subscribed", WAIT).get("recovered").asBoolean())
                    .isTrue();
            client.await("event", WAIT);
            assertThat(sample(scrape(), "kiln_websocket_connections"))
                    .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
        }
        // A resume point past the end of the log cannot be honoured: replayed from the start (recovered=false).
        // The job has ended, so the stream ends after its terminal event.
        Api.Response sse = api.send(api.request("/api/v1/jobs/" + succeeded + "/events", token)
                .header("Accept", "text/event-stream")
                .header("Last-Event-ID", Long.toString(seq + 100))
                .GET()
                .build());
        assertThat(sse.body()).contains("event: state");

        // A JSON body over kiln.api.max-json-size is a limit's refusal.
        Api.Response tooLarge = api.post("/api/v1/jobs", token, "{\"type\":\"" + "x".repeat(300_000) + "\"}");
        assertThat(tooLarge.code()).isEqualTo("json_too_large");

        TusRequests tus = new TusRequests(api, token);
        byte[] content = "twelve bytes".getBytes(StandardCharsets.UTF_8);
        String upload = tus.create(content.length, Map.of("filename", "m.txt"));
        assertThat(tus.patch(upload, 0, content).status()).isEqualTo(204);

        double closedBefore =
                sample(before, "kiln_websocket_closes_total", "code", "1000").orElse(0.0);
        await().atMost(WAIT)
                .until(() -> sample(scrape(), "kiln_websocket_closes_total", "code", "1000")
                                .orElse(0.0)
                        > closedBefore);
        String after = scrape();
        assertThat(SERIES)
                .allSatisfy(name -> assertThat(sample(after, name)).as(name).isPresent());
        assertMoved(before, after, 1, "kiln_jobs_submitted_total", "type", "test-noop");
        assertMoved(before, after, 1, "kiln_jobs_started_total", "type", "test-noop");
        assertMoved(before, after, 1, "kiln_jobs_succeeded_total", "type", "test-noop");
        assertMoved(before, after, 2, "kiln_jobs_failed_total", "type", "test-fail");
        assertMoved(before, after, 1, "kiln_jobs_succeeded_total", "type", "test-fail");
        assertMoved(before, after, 1, "kiln_jobs_retried_total", "trigger", "automatic", "type", "test-fail");
        assertMoved(before, after, 1, "kiln_jobs_retried_total", "trigger", "manual", "type", "test-fail");
        assertMoved(before, after, 1, "kiln_jobs_cancelled_total", "type", "test-gate");
        assertMoved(before, after, 1, "kiln_jobs_run_time_seconds_count", "outcome", "succeeded", "type", "test-noop");
        assertMoved(
                before,
                after,
                1,
                "kiln_jobs_run_time_seconds_count",
                "outcome",
                "retry_scheduled",
                "type",
                "test-fail");
        assertMoved(before, after, 1, "kiln_jobs_wait_time_seconds_count", "type", "test-noop");
        // Every bucket up to +Inf holds a quick job; the one of 6 h is there too.
        assertThat(sample(
                        after,
                        "kiln_jobs_run_time_seconds_bucket",
                        "le",
                        "21600.0",
                        "outcome",
                        "succeeded",
                        "type",
                        "test-noop"))
                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
        assertMoved(before, after, 1, "kiln_websocket_resubscriptions_total", "recovered", "false");
        assertMoved(before, after, 1, "kiln_websocket_resubscriptions_total", "recovered", "true");
        assertMoved(before, after, 3, "kiln_websocket_messages_sent_total");
        assertMoved(before, after, 1, "kiln_sse_resubscriptions_total", "recovered", "false");
        assertMoved(before, after, 1, "kiln_sse_messages_sent_total");
        assertMoved(before, after, content.length, "kiln_uploads_received_bytes_total");
        // A worker's own code counts as "other"; a catalogue code by its name.
        assertMoved(
                before, after, 2, "kiln_jobs_errors_total", "code", "other", "outcome", "failed", "type", "test-fail");
        assertMoved(
                before,
                after,
                1,
                "kiln_jobs_errors_total",
                "code",
                "io_error",
                "outcome",
                "retried",
                "type",
                "test-fail");
        assertMoved(before, after, 1, "kiln_requests_refused_total", "limit", "json_too_large");
        assertThat(sample(after, "kiln_requests_refused_total", "limit", "rate_limited"))
                .isPresent();
        assertMoved(before, after, 1, "kiln_websocket_closes_total", "code", "1000");
        alertRulesReadOnlyWhatIsScraped(after);
        assertThat(sample(after, "kiln_queue_depth", "type", "test-noop"))
                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(0));
    }

    /** The shipped alert rules (docs/operations.md) read only series on the scrape: a rename cannot disarm one. */
    @SuppressWarnings("unchecked")
    private static void alertRulesReadOnlyWhatIsScraped(String scrape) throws Exception {
        Map<String, Object> file;
        try (var in = Files.newInputStream(Path.of("deploy/prometheus/kiln-alerts.yml"))) {
            file = new Yaml().load(in);
        }
        List<Map<String, Object>> rules = ((List<Map<String, Object>>) file.get("groups"))
                .stream()
                        .flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream())
                        .toList();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(5);
        for (Map<String, Object> rule : rules) {
            Matcher series = Pattern.compile("\\bkiln_[a-z_]+").matcher((String) rule.get("expr"));
            while (series.find()) {
                assertThat(sample(scrape, series.group()))
                        .as(rule.get("alert") + " reads " + series.group())
                        .isPresent();
            }
        }
    }

    private String scrape() {
        Api.Response scraped = api.get(PROMETHEUS, Api.ADMIN_TOKEN);
        assertThat(scraped.status()).isEqualTo(200);
        return scraped.body();
    }

    private void awaitState(String token, String id, String state) {
        await().atMost(WAIT)
                .alias("job " + id + " reaches " + state)
                .until(() -> api.state(token, id).equals(state));
    }

    /** How much a series grew between two scrapes, at least {@code by}. */
    private static void assertMoved(String before, String after, double by, String name, String... labels) {
        double then = sample(before, name, labels).orElse(0.0);
        assertThat(sample(after, name, labels))
                .as(name + " " + Arrays.toString(labels))
                .hasValueSatisfying(now -> assertThat(now - then).isGreaterThanOrEqualTo(by));
    }
}
