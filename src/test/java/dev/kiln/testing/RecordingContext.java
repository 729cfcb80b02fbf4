package dev.kiln.testing;

import dev.kiln.processors.InputFile;
import dev.kiln.processors.JobCancelledException;
import dev.kiln.processors.JobContext;
import dev.kiln.processors.Processor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A {@link JobContext} for running one processor directly in a test: it records every progress
 * report and partial result, and can be cancelled.
 */
public final class RecordingContext implements JobContext {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public record Report(double fraction, String stage, Duration remaining) {}

    private final InputFile input;
    private final JsonNode params;
    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final List<JsonNode> partials = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;
    private volatile int reportsAtCancel;
    private volatile String ownerId = "user_test";
    private volatile Predicate<Report> holdAt = r -> false;
    private final CountDownLatch released = new CountDownLatch(1);
    /** Notified on every report, and when a run started by {@link #cancelWhen} ends. */
    private final Object reported = new Object();

    /** @param params as the processor's schema validated them (defaults filled in) */
    public RecordingContext(Path file, String mediaType, JsonNode params) {
        try {
            this.input = new InputFile(
                    "file_test", mediaType, Files.size(file), file.getFileName().toString(), file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.params = params;
    }

    public List<Report> reports() {
        return reports;
    }

    public List<JsonNode> partials() {
        return partials;
    }

    public void cancel() {
        reportsAtCancel = reports.size();
        cancelled = true;
    }

    /**
     * How many reports the processor made after {@link #cancel}: the work it went on with, a figure a
     * busy machine does not stretch as it does the time to stop.
     */
    public int reportsSinceCancel() {
        return reports.size() - reportsAtCancel;
    }

    /** The processor waits in its first report matching {@code at} (the report recorded) until {@link #release()}. */
    public RecordingContext holdAt(Predicate<Report> at) {
        this.holdAt = at;
        return this;
    }

    public void release() {
        released.countDown();
    }

    /**
     * Runs {@code processor} on this context in the background, cancels it once a report matches
     * {@code reached}, and returns how many milliseconds it took to stop. It must stop by throwing
     * {@link JobCancelledException} within ten seconds.
     */
    public long cancelWhen(Processor processor, Predicate<Report> reached) throws InterruptedException {
        CompletableFuture<Object> running = CompletableFuture.supplyAsync(() -> {
            try {
                return processor.run(this);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        running.whenComplete((result, failure) -> notifyReported());
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        synchronized (reported) {
            while (reports.stream().noneMatch(reached)) {
                if (running.isDone()) {
                    throw new AssertionError("the processor ended before it could be cancelled: " + running.join());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no report to cancel at within a minute; got " + reports);
                }
                TimeUnit.NANOSECONDS.timedWait(reported, left);
            }
        }
        long cancelledAt = System.nanoTime();
        cancel();
        try {
            running.get(10, TimeUnit.SECONDS);
            throw new AssertionError("the processor finished although it was cancelled");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
            if (!(cause instanceof JobCancelledException)) {
                throw new AssertionError("the processor failed instead of stopping", cause);
            }
        } catch (TimeoutException e) {
            throw new AssertionError("the processor did not stop within 10 s of the cancel");
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelledAt);
    }

    @Override
    public String jobId() {
        return "job_test";
    }

    @Override
    public String ownerId() {
        return ownerId;
    }

    /** The job's owner as {@link #ownerId()} tells it; "user_test" unless set. */
    public RecordingContext ownedBy(String owner) {
        this.ownerId = owner;
        return this;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public InputFile input() {
        return input;
    }

    @Override
    public JsonNode params() {
        return params;
    }

    @Override
    public void progress(double fraction, String stage, Duration remaining) {
        Report report = new Report(fraction, stage, remaining);
        reports.add(report);
        notifyReported();
        if (holdAt.test(report)) {
            holdAt = r -> false;
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void notifyReported() {
        synchronized (reported) {
            reported.notifyAll();
        }
    }

    @Override
    public void emit(Object partial) {
        partials.add(JSON.valueToTree(partial));
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public Logger log() {
        return LoggerFactory.getLogger("job_test");
    }
}
