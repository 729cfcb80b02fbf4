package dev.kiln.workers;

import dev.kiln.drain.DrainOrder;
import dev.kiln.files.FileCatalog;
import dev.kiln.jobs.JobQueue;
import dev.kiln.jobs.JobSettings;
import dev.kiln.jobs.JobSignals;
import dev.kiln.jobs.Moved;
import dev.kiln.jobs.RetryPolicy;
import dev.kiln.nodes.ThisNode;
import dev.kiln.processors.ProcessorRegistry;
import dev.kiln.storage.BlobStore;
import dev.kiln.support.Loop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs jobs on this node: claims batches of work for processors with free slots, runs each
 * attempt on its own virtual thread, renews leases while they run, stops them on cancel,
 * timeout or shutdown, and writes their outcomes through the {@link OutcomeWriter}.
 *
 * <p>On shutdown it stops claiming, gives running jobs {@code shutdownGrace} to finish, then
 * releases the rest to the queue so another node (or this one, restarted) picks them up at once
 * (the order of the whole drain is in {@link DrainOrder}).
 */
@Component
public class WorkerPool implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    private final WorkerSettings settings;
    private final JobSettings jobSettings;
    private final ProcessorRegistry registry;
    private final AttemptEnds ends;
    private final Attempts attempts;
    private final JsonMapper json;
    private final FileCatalog files;
    private final Clock clock;
    private final String node;
    private final Map<String, RunningJob> running = new ConcurrentHashMap<>();
    private final ClaimPlanner claims;
    private final OutcomeWriter writer;
    private final Loop claimLoop;
    private final Loop heartbeatLoop;
    private ScheduledExecutorService watchdog;
    private volatile boolean started;

    public WorkerPool(
            WorkerSettings settings,
            JobSettings jobSettings,
            ProcessorRegistry registry,
            JobQueue queue,
            RetryPolicy retryPolicy,
            BlobStore blobs,
            FileCatalog files,
            JsonMapper json,
            Clock clock,
            ThisNode thisNode) {
        this.files = files;
        this.ends = new AttemptEnds(retryPolicy);
        this.settings = settings;
        this.jobSettings = jobSettings;
        this.registry = registry;

        this.json = json;
        this.clock = clock;
        this.node = thisNode.id();
        this.claims = new ClaimPlanner(registry, settings, node);
        this.writer = new OutcomeWriter(
                queue, this::dueProgress, this::rejected, batch -> claims.plan(batch, this::ending), this::claimed);
        this.claimLoop = new Loop("kiln-claim", settings.pollInterval(), this::claimStep);
        this.attempts = new Attempts(new InputFiles(blobs), ends, writer, claims, json, clock, this::releaseSlot);
        Heartbeat heartbeat = new Heartbeat(
                node,
                settings.leaseDuration(),
                running,
                writer,
                (job, since) -> requestStop(job, StopReason.CANCEL, since));
        this.heartbeatLoop = new Loop("kiln-heartbeat", settings.heartbeatInterval(), () -> {
            heartbeat.beat();
            return false;
        });
    }

    @Override
    public void start() {
        started = true;
        if (!settings.enabled()) {
            log.info("Workers are disabled on this node (kiln.workers.enabled=false)");
            return;
        }
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(
                1, Thread.ofPlatform().daemon().name("kiln-watchdog").factory());
        // Every attempt schedules its timeout and cancels it when it ends: a cancelled one must not stay queued for its
        // whole timeout.
        timer.setRemoveOnCancelPolicy(true);
        watchdog = timer;
        writer.start();
        claims.accepting(true);
        heartbeatLoop.start();
        claimLoop.start();
        log.info("Workers started on node {}: {}", node, registry.summary());
    }

    @Override
    public boolean isRunning() {
        return started;
    }

    /**
     * Step 4 of the drain ({@link DrainOrder}): claiming stopped first ({@link ClaimStop}), streams
     * are closed; now the grace and the release, before the web server and the database go. The
     * pool can be started again after a stop (Spring pauses and resumes contexts, e.g. in tests).
     */
    @Override
    public int getPhase() {
        return DrainOrder.RELEASE_JOBS;
    }

    /** Step 1 of the drain: no new claims; what runs goes on. */
    void stopClaiming() {
        if (claims.accepting()) {
            claims.accepting(false);
            log.info("Draining: no more jobs are claimed on node {}", node);
        }
    }

    @Override
    public void stop() {
        if (!started) {
            return;
        }
        started = false;
        if (settings.enabled()) {
            drain();
        }
    }

    /** Work to claim (a submission, a retry, a release) wakes the claim loop; a cancel request here stops its job. */
    @EventListener
    void onMoved(Moved.Committed moved) {
        switch (moved.transition()) {
            case SUBMIT, PROMOTE, RELEASE, MANUAL_RETRY ->
                workArrived(moved.jobs().stream().map(Moved::type));
            case REQUEST_CANCEL -> moved.jobs().forEach(job -> cancelRequested(job.id()));
            default -> {}
        }
    }

    /** Another node made work claimable: claim it now rather than at the next poll. */
    @EventListener
    void onWorkAvailable(JobSignals.WorkAvailable signal) {
        workArrived(signal.types().stream());
    }

    private void workArrived(Stream<String> types) {
        types.distinct().map(claims::of).filter(Objects::nonNull).forEach(Capacity::changed);
        claimLoop.wake();
    }

    /** Another node took a cancel request of a job that may run here. */
    @EventListener
    void onCancelRequested(JobSignals.CancelRequested signal) {
        cancelRequested(signal.jobId());
    }

    private void cancelRequested(String jobId) {
        RunningJob job = running.get(jobId);
        if (job != null) {
            requestStop(job, StopReason.CANCEL, clock.instant());
        }
    }

    /**
     * The claim loop's step: starts the jobs the outcome writer claimed, and when a processor has
     * room and its queue may hold work, has the writer run a batch (the claims are planned there,
     * in the transaction that writes the ends freeing the room).
     */
    private boolean claimStep() {
        for (ClaimPlanner.Start start; (start = claims.nextToStart()) != null; ) {
            if (claims.accepting()) {
                launch(start);
            } else {
                giveBack(start); // claimed as the drain began
            }
        }
        if (claims.wantsWork()) {
            writer.nudge();
        }
        return false;
    }

    /** The writer's batch answered its claims: the claim loop starts the jobs. */
    private void claimed(List<JobQueue.ClaimRequest> requests, List<List<JobQueue.Claim>> got) {
        claims.claimed(requests, got);
        claimLoop.wake();
    }

    /** A claimed job this node will not start after all: back to the queue, its attempt not counted. */
    private void giveBack(ClaimPlanner.Start start) {
        Capacity room = claims.of(start.processor().name());
        room.unreserve(1, start.slotted() ? 1 : 0);
        JobQueue.Claim claim = start.claim();
        writer.enqueue(new JobQueue.Finish(claim.id(), claim.leaseToken(), new JobQueue.Released(claim.attempt())));
    }

    /** The writer took {@code finish} into a batch: its attempt no longer holds room while it waits to be written. */
    private void ending(JobQueue.Finish finish) {
        RunningJob job = running.get(finish.jobId());
        if (job != null && job.claim.leaseToken().equals(finish.token())) {
            releaseHeld(job);
        }
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void launch(ClaimPlanner.Start start) {
        ProcessorRegistry.Registered processor = start.processor();
        JobQueue.Claim claim = start.claim();
        RunningJob job = new RunningJob(claim, processor, writer, files, json);
        if (start.slotted()) {
            job.slotTaken();
        }
        Instant started = clock.instant();
        running.put(claim.id(), job);
        try {
            ScheduledFuture<?> timeout = watchdog.schedule(
                    () -> requestStop(job, StopReason.TIMEOUT, clock.instant()),
                    processor.limits().timeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            // CPU-bound work gets a platform thread: on a virtual thread it would hold a carrier and
            // could starve everything else that runs on virtual threads (HTTP requests, for one).
            Thread.Builder threads =
                    processor.processor().cpuBound() ? Thread.ofPlatform().daemon() : Thread.ofVirtual();
            threads.name("kiln-job-" + claim.id()).start(() -> {
                try {
                    attempts.run(job, started);
                } finally {
                    timeout.cancel(false);
                    releaseSlot(job);
                    forget(job);
                }
            });
        } catch (RuntimeException e) {
            // Never leave a claim half-launched: give the job back and the slot too.
            log.error("Could not start {}; giving it back to the queue", job, e);
            releaseSlot(job);
            forget(job);
            if (job.markFinishing()) {
                writer.enqueue(
                        new JobQueue.Finish(claim.id(), claim.leaseToken(), new JobQueue.Released(claim.attempt())));
            }
        }
    }

    /** The attempt is over on this node: its outcome is written (or was never to be). */
    private void forget(RunningJob job) {
        // The entry may be a newer attempt's (the job rescued and claimed here again while this one ran on): its room
        // is not.
        running.remove(job.jobId(), job);
        releaseHeld(job);
    }

    private void releaseHeld(RunningJob job) {
        if (job.releaseHeld()) {
            claims.of(job.processor.name()).heldFreed();
            claimLoop.wake();
        }
    }

    /**
     * A slot bounds how many attempts of a processor <em>execute</em> at once, so it is freed as
     * soon as the processor returns; the attempt stays registered (its lease renewed) until its
     * outcome is written.
     */
    private void releaseSlot(RunningJob job) {
        if (job.releaseSlot()) {
            claims.of(job.processor.name()).slotFreed();
            claimLoop.wake();
        }
    }

    /** The pool's background loops, for readiness (not running before start and after stop). */
    List<Loop.Status> loops() {
        return List.of(claimLoop.status(), heartbeatLoop.status());
    }

    boolean outcomeWriterAlive() {
        return writer.alive();
    }

    /**
     * Asks a job to stop, and makes sure it ends by {@code since + cancelTimeout} even if its code
     * ignores the request: then its lease is revoked and any later report from it is refused.
     */
    private void requestStop(RunningJob job, StopReason reason, Instant since) {
        if (!job.stop(reason)) {
            return;
        }
        job.log().info("Stopping {}: {}", job, reason);
        if (reason == StopReason.CANCEL || reason == StopReason.TIMEOUT) {
            long delay = Math.max(
                    0,
                    Duration.between(clock.instant(), since.plus(jobSettings.cancelTimeout()))
                            .toMillis());
            watchdog.schedule(() -> enforceStop(job, reason), delay, TimeUnit.MILLISECONDS);
        }
    }

    private void enforceStop(RunningJob job, StopReason reason) {
        if (running.get(job.jobId()) != job || job.stopReason() != reason || !job.markFinishing()) {
            return;
        }
        job.log()
                .warn(
                        "{} did not stop within {}; ending it as {} and revoking its lease (its thread keeps"
                                + " its slot until it returns)",
                        job,
                        jobSettings.cancelTimeout(),
                        reason);
        writer.enqueue(new JobQueue.Finish(job.jobId(), job.claim.leaseToken(), ends.stopped(job, reason)));
    }

    private List<JobQueue.Progress> dueProgress() {
        long now = System.nanoTime();
        long spacing = settings.progressInterval().toNanos();
        return running.values().stream()
                .map(job -> job.takeProgress(now, spacing))
                .filter(Objects::nonNull)
                .toList();
    }

    private void rejected(JobQueue.Write write) {
        RunningJob job = running.get(write.jobId());
        if (job != null && job.claim.leaseToken().equals(write.token()) && !(write instanceof JobQueue.Finish)) {
            if (job.stop(StopReason.LEASE_LOST)) {
                job.log().warn("{} no longer holds the job; stopping it", job);
            }
        }
    }

    private void drain() {
        stopClaiming();
        claimLoop.stop();
        if (!awaitIdle(settings.shutdownGrace())) {
            Set<RunningJob> left = Set.copyOf(running.values());
            log.info(
                    "Shutting down: releasing {} job(s) still running after {}", left.size(), settings.shutdownGrace());
            left.forEach(job -> requestStop(job, StopReason.SHUTDOWN, clock.instant()));
            if (!awaitIdle(Duration.ofSeconds(5))) {
                for (RunningJob job : Set.copyOf(running.values())) {
                    // A cancel or timeout already asked for wins over giving the job back.
                    JobQueue.Outcome outcome =
                            ends.stopped(job, job.stopReason() == null ? StopReason.SHUTDOWN : job.stopReason());
                    if (outcome != null && job.markFinishing()) {
                        writer.enqueue(new JobQueue.Finish(job.jobId(), job.claim.leaseToken(), outcome));
                    }
                }
            }
        }
        for (ClaimPlanner.Start start; (start = claims.nextToStart()) != null; ) {
            giveBack(start); // claimed by a batch that began before claiming stopped
        }
        writer.stop(Duration.ofSeconds(10));
        heartbeatLoop.stop();
        watchdog.shutdownNow();
        log.info("Workers stopped on node {}", node);
    }

    private boolean awaitIdle(Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!running.isEmpty() && System.nanoTime() < deadline) {
            pause(Duration.ofMillis(20));
        }
        return running.isEmpty();
    }
}
