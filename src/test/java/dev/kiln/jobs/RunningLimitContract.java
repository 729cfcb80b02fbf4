package dev.kiln.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.auth.User;
import dev.kiln.limits.LimitSettings;
import dev.kiln.testing.QueueFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln.limits.max-running-jobs}: the claim leaves an owner's further jobs queued while they
 * have as many running as allowed, on any number of claimers at once. One subclass per database.
 */
abstract class RunningLimitContract extends QueueContractBase {

    private static final String TYPE = "work";
    private static final int MAX_RUNNING = 2;

    @Override
    LimitSettings limits() {
        return new LimitSettings(Duration.ofMinutes(1), 0, 0, 0, 0, 0, MAX_RUNNING);
    }

    @Test
    void anOwnerAtTheLimitKeepsTheRestQueuedWhileOthersAreTaken() {
        List<Job> alices = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            alices.add(fx.submit(alice, TYPE));
        }
        Job bobs = fx.submit(bob, TYPE);

        List<JobQueue.Claim> claimed = fx.claim(TYPE, 10);

        assertThat(claimed)
                .extracting(JobQueue.Claim::id)
                .containsExactlyInAnyOrder(alices.get(0).id(), alices.get(1).id(), bobs.id());
        assertThat(fx.claim(TYPE, 10))
                .as("alice is at her limit; nothing else waits")
                .isEmpty();
        assertThat(fx.job(alices.get(2).id()).state()).isEqualTo(JobState.QUEUED);

        finish(claimed.stream()
                .filter(c -> c.id().equals(alices.get(0).id()))
                .findFirst()
                .orElseThrow());

        assertThat(fx.claim(TYPE, 10))
                .extracting(JobQueue.Claim::id)
                .as("one ended, so her next one in order starts")
                .containsExactly(alices.get(2).id());
    }

    @Test
    void theLimitCountsRunningJobsOfEveryType() {
        fx.submit(alice, TYPE);
        fx.submit(alice, TYPE);
        Job other = fx.submit(alice, "other");
        assertThat(fx.claim(TYPE, 10)).hasSize(2);

        assertThat(fx.claim("other", 10)).isEmpty();
        assertThat(fx.job(other.id()).state()).isEqualTo(JobState.QUEUED);
    }

    @Test
    void anOwnersBestJobsAreTheOnesTaken() {
        fx.store.submit(fx.newJob(alice, TYPE, -5));
        Job urgent = fx.store.submit(fx.newJob(alice, TYPE, 0)).job();
        fx.store.submit(fx.newJob(alice, TYPE, -5));
        Job nextUrgent = fx.store.submit(fx.newJob(alice, TYPE, 0)).job();

        assertThat(fx.claim(TYPE, 10))
                .extracting(JobQueue.Claim::id)
                .containsExactlyInAnyOrder(urgent.id(), nextUrgent.id());
    }

    @Test
    void concurrentClaimersNeverTakeAnOwnerPastTheLimit() throws Exception {
        List<User> owners = List.of(alice, bob, fx.user("carol"));
        for (User owner : owners) {
            for (int i = 0; i < 12; i++) {
                fx.submit(owner, TYPE);
            }
        }
        int threads = 6;
        // Rounds of simultaneous claims; after each, everything running ends and the next round starts.
        for (int round = 0; round < 6; round++) {
            List<JobQueue.Claim> claimed = claimAtOnce(threads);
            Map<String, Long> perOwner =
                    claimed.stream().collect(Collectors.groupingBy(JobQueue.Claim::ownerId, Collectors.counting()));
            assertThat(perOwner.values()).as("round %d: %s", round, perOwner).allMatch(n -> n <= MAX_RUNNING);
            assertThat(claimed)
                    .as("round %d: every owner still has work, so each gets their share", round)
                    .hasSize(owners.size() * MAX_RUNNING);
            claimed.forEach(this::finish);
        }
    }

    private List<JobQueue.Claim> claimAtOnce(int threads) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<JobQueue.Claim> claimed = new ArrayList<>();
        Map<String, Boolean> ids = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<List<JobQueue.Claim>>> batches = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String node = "node-" + t;
                batches.add(pool.submit(() -> {
                    start.await();
                    return fx.queue.claim(TYPE, 3, node, QueueFixture.LEASE);
                }));
            }
            start.countDown();
            for (Future<List<JobQueue.Claim>> batch : batches) {
                for (JobQueue.Claim claim : batch.get()) {
                    assertThat(ids.put(claim.id(), true))
                            .as("claimed twice: " + claim.id())
                            .isNull();
                    claimed.add(claim);
                }
            }
        }
        return claimed;
    }

    private void finish(JobQueue.Claim claim) {
        assertThat(fx.queue.apply(List.of(new JobQueue.Finish(
                        claim.id(), claim.leaseToken(), new JobQueue.Succeeded(claim.attempt(), null)))))
                .containsExactly(true);
    }
}
