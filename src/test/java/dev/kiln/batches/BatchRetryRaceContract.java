package dev.kiln.batches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.auth.User;
import dev.kiln.auth.Users;
import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobRetries;
import dev.kiln.jobs.JobStore;
import dev.kiln.testing.Api;
import dev.kiln.testing.ApiTestBase;
import dev.kiln.testing.Gates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Retrying a batch's failed and cancelled jobs is one decision for the whole set: all of them find
 * room among the owner's waiting jobs or none goes back, however many retries run at once. A job the
 * owner already runs (behind a closed gate, at the running limit of 1) keeps the retried ones waiting.
 */
@TestPropertySource(
        properties = {
            "kiln.test.own-database=true",
            "kiln.limits.submissions=0",
            "kiln.limits.max-queued-jobs=12",
            "kiln.limits.max-running-jobs=1"
        })
abstract class BatchRetryRaceContract extends ApiTestBase {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int JOBS = 10;

    private final String gate = "batch-retry-" + UUID.randomUUID();
    String token;

    @BeforeEach
    void runningJob() {
        token = api.newMember("retry-race-" + UUID.randomUUID());
        String running = api.submit(token, "test-gate", file("running.txt"), "{\"gate\":\"" + gate + "\"}");
        await().atMost(WAIT).until(() -> api.state(token, running).equals("running"));
    }

    @AfterEach
    void openGate() {
        Gates.open(gate);
    }

    @Test
    void twoBatchesRetriedAtOnceWithRoomForOneAreEachRetriedWholeOrNotAtAll() throws Exception {
        String first = cancelledBatch();
        String second = cancelledBatch();

        List<Api.Response> answers = atOnce(first, second);

        assertThat(answers)
                .extracting(Api.Response::status)
                .as(answers.toString())
                .containsExactlyInAnyOrder(200, 429);
        Api.Response refused = answers.get(0).status() == 429 ? answers.get(0) : answers.get(1);
        assertThat(refused.code()).isEqualTo("too_many_queued_jobs");
        for (String batch : List.of(first, second)) {
            assertThat(states(batch))
                    .as(batch)
                    .containsAnyOf("queued", "cancelled")
                    .hasSize(1);
        }
        assertThat(queued()).isEqualTo(JOBS);
    }

    @Test
    void oneBatchRetriedTwiceAtOnceGoesBackOnceAndNeitherRetryIsRefused() throws Exception {
        String batch = cancelledBatch();

        List<Api.Response> answers = atOnce(batch, batch);

        assertThat(answers)
                .extracting(Api.Response::status)
                .as(answers.toString())
                .containsOnly(200);
        assertThat(states(batch)).containsExactly("queued");
        assertThat(queued()).isEqualTo(JOBS);
    }

    @Test
    void aJobThatEndsAfterTheRoomWasCountedIsNotRetriedUncounted(
            @Autowired JobRetries retries, @Autowired JobStore jobs, @Autowired Users users) {
        // Was retried: nothing to retry when the limit counted (0) was taken for "the limit never asked", so
        // the jobs were read again. The cancel inside the check stands for another transaction committing
        // between the two reads (PostgreSQL's READ COMMITTED).
        User owner = users.findById(api.userId(token)).orElseThrow();
        String queued = api.submit(token, "test-gate", file("queued.txt"), "{\"gate\":\"" + gate + "\"}");
        assertThat(api.state(token, queued)).isEqualTo("queued");

        List<Job> retried = retries.retryAll(owner.id(), List.of(queued), (ownerId, counted) -> {
            assertThat(counted.getAsInt()).isZero();
            assertThat(jobs.cancel(queued, owner)).isPresent();
        });

        assertThat(retried).isEmpty();
        assertThat(api.state(token, queued)).isEqualTo("cancelled");
    }

    private List<Api.Response> atOnce(String first, String second) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        List<CompletableFuture<Api.Response>> retries = new ArrayList<>();
        for (String batch : List.of(first, second)) {
            retries.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return api.postEmpty("/api/v1/batches/" + batch + "/retry", token);
            }));
        }
        List<Api.Response> answers = new ArrayList<>();
        for (CompletableFuture<Api.Response> retry : retries) {
            answers.add(retry.get());
        }
        return answers;
    }

    /** A batch of {@link #JOBS} jobs, cancelled while they waited. */
    private String cancelledBatch() {
        List<String> files = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            files.add(file(i + ".txt"));
        }
        Api.Response made = api.post(
                "/api/v1/batches",
                token,
                "{\"type\":\"test-gate\",\"params\":{\"gate\":\"" + gate + "\"},\"files\":[\""
                        + String.join("\",\"", files) + "\"]}");
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        String id = made.json().get("id").asString();
        assertThat(api.postEmpty("/api/v1/batches/" + id + "/cancel", token).status())
                .isEqualTo(200);
        assertThat(states(id)).containsExactly("cancelled");
        return id;
    }

    /** The distinct states of the batch's jobs. */
    private List<String> states(String batch) {
        List<String> states = new ArrayList<>();
        api.get("/api/v1/batches/" + batch, token).json().get("jobs").forEach(job -> {
            String state = job.get("state").asString();
            if (!states.contains(state)) {
                states.add(state);
            }
        });
        return states;
    }

    private long queued() {
        return api.get("/api/v1/jobs?state=queued&limit=100", token)
                .json()
                .get("items")
                .size();
    }

    private String file(String name) {
        return api.file(token, ("text " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8), name);
    }
}
