package dev.kiln.workers;

import dev.kiln.files.FileCatalog;
import dev.kiln.jobs.JobQueue;
import dev.kiln.processors.InputFile;
import dev.kiln.processors.JobContext;
import dev.kiln.processors.ProcessorRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One attempt running on this node: the processor's {@link JobContext}, and the handle the
 * worker pool uses to stop it and to collect its progress.
 */
final class RunningJob implements JobContext {

    private record Reported(double fraction, String stage, Duration remaining) {}

    final JobQueue.Claim claim;
    final ProcessorRegistry.Registered processor;
    private final OutcomeWriter writer;
    private final FileCatalog files;
    private final JsonMapper json;
    private final Logger log;
    private final AtomicReference<Reported> latest = new AtomicReference<>();
    /** 0: no slot yet; 1: holds one; 2: gave it back. */
    private final AtomicInteger slot = new AtomicInteger();

    private final AtomicBoolean heldReleased = new AtomicBoolean();
    private Reported written;
    /** When progress was last handed to the writer (nanoTime); only the writer's thread touches it. */
    private long writtenAt;

    private volatile InputFile input;
    private volatile Thread thread;
    private volatile StopReason stopReason;
    /** The outcome is being written (or was forced): stop requests and progress no longer apply. */
    private volatile boolean finishing;

    RunningJob(
            JobQueue.Claim claim,
            ProcessorRegistry.Registered processor,
            OutcomeWriter writer,
            FileCatalog files,
            JsonMapper json) {
        this.claim = claim;
        this.files = files;
        this.processor = processor;
        this.writer = writer;
        this.json = json;
        this.log = LoggerFactory.getLogger("kiln.job." + processor.name());
    }

    /** Binds the attempt to its thread; a stop asked for before this interrupts it now. */
    synchronized void attach(Thread thread, InputFile input) {
        this.thread = thread;
        this.input = input;
        if (stopReason != null) {
            thread.interrupt();
        }
    }

    @Override
    public String jobId() {
        return claim.id();
    }

    @Override
    public String ownerId() {
        return claim.ownerId();
    }

    @Override
    public int attempt() {
        return claim.attempt();
    }

    @Override
    public InputFile input() {
        return input;
    }

    @Override
    public JsonNode params() {
        return claim.params();
    }

    @Override
    public void progress(double fraction, String stage, Duration remaining) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("progress must be within 0..1, was " + fraction);
        }
        latest.set(new Reported(fraction, stage, remaining));
    }

    @Override
    public void emit(Object partial) {
        // Serialised now, so later changes to the object cannot alter what was published.
        JsonNode data = json.valueToTree(partial);
        writer.enqueue(new JobQueue.Partial(claim.id(), claim.leaseToken(), data));
    }

    /** Written at once (rare: once or twice an attempt); a failure to write it is no reason to fail the job. */
    @Override
    public void inputMeasured(Duration length, Integer pages) {
        InputFile file = input;
        if (file == null || (length == null && pages == null)) {
            return;
        }
        try {
            files.measured(file.id(), length, pages);
        } catch (RuntimeException e) {
            log.warn("Could not record what was measured of input file {}", file.id(), e);
        }
    }

    @Override
    public boolean isCancelled() {
        return stopReason != null;
    }

    @Override
    public Logger log() {
        return log;
    }

    StopReason stopReason() {
        return stopReason;
    }

    /**
     * Asks the job to stop: sets the flag its code checks and interrupts its thread.
     *
     * @return whether this changed the reason (a weaker reason never replaces a stronger one)
     */
    synchronized boolean stop(StopReason reason) {
        if (finishing || !reason.outranks(stopReason)) {
            return false;
        }
        boolean first = stopReason == null;
        stopReason = reason;
        Thread t = thread;
        if (first && t != null) {
            t.interrupt();
        }
        return true;
    }

    /** The attempt holds one of its processor's slots (reserved with its claim, or taken when it began). */
    void slotTaken() {
        slot.set(1);
    }

    boolean holdsSlot() {
        return slot.get() == 1;
    }

    /** True the first time only, and only if it holds one: the processor slot this attempt holds is to be given back. */
    boolean releaseSlot() {
        return slot.compareAndSet(1, 2);
    }

    /** True the first time only: the room this attempt holds on the node (executing or awaiting its write) is to be given back. */
    boolean releaseHeld() {
        return heldReleased.compareAndSet(false, true);
    }

    /** Claims the right to write this attempt's outcome; false if that was already claimed. */
    synchronized boolean markFinishing() {
        if (finishing) {
            return false;
        }
        finishing = true;
        return true;
    }

    boolean finishing() {
        return finishing;
    }

    /**
     * The latest progress if it changed and the last one written is at least {@code spacingNanos}
     * old; null otherwise. Leading edge: a report after a quiet spell goes out at once.
     */
    JobQueue.Progress takeProgress(long nowNanos, long spacingNanos) {
        Reported now = latest.get();
        if (finishing || now == null || now.equals(written) || written != null && nowNanos - writtenAt < spacingNanos) {
            return null;
        }
        written = now;
        writtenAt = nowNanos;
        return new JobQueue.Progress(claim.id(), claim.leaseToken(), now.fraction(), now.stage(), now.remaining());
    }

    @Override
    public String toString() {
        return "job " + claim.id() + " attempt " + claim.attempt();
    }
}
