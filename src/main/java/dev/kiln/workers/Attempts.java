package dev.kiln.workers;

import dev.kiln.jobs.JobQueue;
import dev.kiln.support.LogFields;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import tools.jackson.databind.json.JsonMapper;

/** One attempt on its thread: its slot, its input, the processor, and its end handed to the outcome writer. */
final class Attempts {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    private final InputFiles inputs;
    private final AttemptEnds ends;
    private final OutcomeWriter writer;
    private final ClaimPlanner claims;
    private final JsonMapper json;
    private final Clock clock;
    private final Consumer<RunningJob> releaseSlot;

    Attempts(
            InputFiles inputs,
            AttemptEnds ends,
            OutcomeWriter writer,
            ClaimPlanner claims,
            JsonMapper json,
            Clock clock,
            Consumer<RunningJob> releaseSlot) {
        this.inputs = inputs;
        this.ends = ends;
        this.writer = writer;
        this.claims = claims;
        this.json = json;
        this.clock = clock;
        this.releaseSlot = releaseSlot;
    }

    /** A job claimed ahead of a free slot (its processor's attempts are short) waits for one; a stop asked for meanwhile ends the wait. */
    private void awaitSlot(RunningJob job) throws InterruptedException {
        if (!job.holdsSlot()) {
            claims.of(job.processor.name()).slots.acquire();
            job.slotTaken();
        }
    }

    void run(RunningJob job, Instant started) {
        MDC.put(LogFields.JOB_ID, job.jobId());
        MDC.put(LogFields.USER_ID, job.claim.ownerId());
        MDC.put("jobType", job.processor.name());
        try {
            JobQueue.Outcome outcome;
            long began = 0;
            InputFiles.Held input = InputFiles.Held.NONE;
            try {
                input = inputs.hold(job.claim, job.processor.processor().takesInput());
                job.attach(Thread.currentThread(), input.file());
                awaitSlot(job);
                began = System.nanoTime();
                Object result = job.processor.processor().run(job);
                outcome =
                        new JobQueue.Succeeded(job.attempt(), result == null ? null : json.writeValueAsString(result));
            } catch (Throwable t) {
                outcome = ends.afterThrow(job, t);
            } finally {
                input.close(); // the processor is done with its file: the cache may evict it
            }
            if (began != 0) {
                claims.of(job.processor.name()).ran(System.nanoTime() - began);
            }
            releaseSlot.accept(job);
            if (outcome == null || !job.markFinishing()) {
                return; // the lease is gone, or the watchdog already ended this attempt
            }
            Thread.interrupted(); // a stop request that raced with the end must not disturb writing the outcome
            boolean accepted = writer.enqueue(new JobQueue.Finish(job.jobId(), job.claim.leaseToken(), outcome))
                    .join();
            if (accepted && log.isDebugEnabled()) {
                log.debug(
                        "Attempt {} ended {} after {}",
                        job.attempt(),
                        outcome.target().wire(),
                        Duration.between(started, clock.instant()));
            } else if (!accepted) {
                log.info(
                        "Attempt {} ended, but another attempt owns the job now; its outcome was discarded",
                        job.attempt());
            }
        } finally {
            MDC.remove(LogFields.JOB_ID);
            MDC.remove(LogFields.USER_ID);
            MDC.remove("jobType");
        }
    }
}
