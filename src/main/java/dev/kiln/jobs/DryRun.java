package dev.kiln.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.auth.User;
import dev.kiln.files.FileInfo;
import dev.kiln.limits.SubmissionLimits;
import dev.kiln.processors.InputFile;
import dev.kiln.processors.InputMeasure;
import dev.kiln.processors.JobErrorCode;
import dev.kiln.processors.JobFailure;
import dev.kiln.processors.Processor;
import dev.kiln.storage.BlobStore;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/jobs?dryRun=true}: everything a submission would check — the request, the
 * caller's limits, and that the input really opens (the processor's {@link Processor#inspect}, on
 * a small pool of platform threads under a time limit: a decoder or parser on untrusted bytes) —
 * and an estimate, without storing anything or using any of the caller's allowance.
 */
@Component
class DryRun implements DisposableBean {

    /** The longest an input may take to be looked at (less if its processor's time limit is shorter). */
    static final Duration INSPECT_TIMEOUT = Duration.ofSeconds(20);

    private final JobRequests requests;
    private final JobStore store;
    private final SubmissionLimits limits;
    private final BlobStore blobs;
    private final JobMetrics metrics;
    private final ExecutorService inspectors = Executors.newFixedThreadPool(
            Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
            Thread.ofPlatform().name("kiln-inspect-", 0).daemon().factory());

    DryRun(JobRequests requests, JobStore store, SubmissionLimits limits, BlobStore blobs, JobMetrics metrics) {
        this.requests = requests;
        this.store = store;
        this.limits = limits;
        this.blobs = blobs;
        this.metrics = metrics;
    }

    /** What the input measured: {@code duration} in seconds, or {@code pages}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Input(String fileId, Double duration, Integer pages) {}

    /** {@code queuePosition}: 1 = next for its type (null when it would not wait); {@code runSeconds} null when unknown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Estimate(Long queuePosition, Double runSeconds) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record WouldReuse(boolean wouldReuse, String from) {}

    /** {@code replayOf}: the job an earlier request with the same Idempotency-Key made, which a submission would answer. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Answer(boolean valid, String type, Input input, Estimate estimate, WouldReuse reuse, String replayOf) {}

    /**
     * Checks {@code body} as {@link JobRequests#submit} would.
     *
     * @throws ApiException the problem the submission would answer; {@code input_unreadable} when the
     *     input does not open
     */
    Answer check(User user, JsonNode body, String idempotencyKey) {
        JobRequests.Prepared prepared = requests.prepare(user, body, idempotencyKey);
        NewJob job = prepared.job();
        Optional<JobStore.Submission> replay = JobRequests.keyChecked(() -> store.replayOf(job));
        if (replay.isPresent()) {
            return new Answer(
                    true, job.type(), null, null, null, replay.get().job().id());
        }
        // Taken and given back at once: the check a submission makes, with nothing used.
        limits.takeSubmission(user);
        limits.giveBackSubmission(user);
        InputMeasure measure = inspect(prepared);
        Optional<String> source = store.reuseSource(job);
        Long position = null;
        if (source.isEmpty()) {
            limits.checkQueued(user.id());
            position = store.queuePositionOfNew(user.id(), job.type(), job.priority());
        }
        return new Answer(
                true,
                job.type(),
                input(prepared.file(), measure),
                new Estimate(position, source.isPresent() ? null : runSeconds(prepared, measure)),
                new WouldReuse(source.isPresent(), source.orElse(null)),
                null);
    }

    private static Input input(FileInfo file, InputMeasure measure) {
        if (file == null) {
            return null;
        }
        Duration length = measure != null && measure.length() != null
                ? measure.length()
                : file.durationMs() == null ? null : Duration.ofMillis(file.durationMs());
        Integer pages = measure != null && measure.pages() != null ? measure.pages() : file.pages();
        return new Input(file.id(), length == null ? null : length.toMillis() / 1000.0, pages);
    }

    /** From the processor's measured speed on this node for this input, else its jobs' mean run time here. */
    private Double runSeconds(JobRequests.Prepared prepared, InputMeasure measure) {
        Duration expected = prepared.processor()
                .processor()
                .expectedRunTime(measure, prepared.job().params());
        if (expected == null) {
            expected = metrics.typicalRunTime(prepared.processor().name());
        }
        return expected == null ? null : expected.toMillis() / 1000.0;
    }

    /** The processor's look at the input, as its job would see it; null when there is none or it cannot tell. */
    private InputMeasure inspect(JobRequests.Prepared prepared) {
        FileInfo file = prepared.file();
        if (file == null) {
            return null;
        }
        Processor processor = prepared.processor().processor();
        Duration timeout =
                INSPECT_TIMEOUT.compareTo(prepared.processor().limits().timeout()) < 0
                        ? INSPECT_TIMEOUT
                        : prepared.processor().limits().timeout();
        Future<InputMeasure> look = inspectors.submit(() -> {
            try (BlobStore.LocalCopy copy = localCopy(file)) {
                return processor.inspect(
                        new InputFile(file.id(), file.mediaType(), file.size(), file.name(), copy.path()));
            }
        });
        try {
            return look.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            look.cancel(true);
            throw unreadable(
                    JobErrorCode.TIMEOUT.code(),
                    "The file could not be opened within " + timeout.toSeconds() + " s; its job would likely fail.");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof JobFailure failure) {
                throw unreadable(failure.code(), failure.getMessage());
            }
            if (e.getCause() instanceof StoreFailure failure) {
                if (failure.getCause() instanceof NoSuchFileException) {
                    throw unreadable(
                            JobErrorCode.INPUT_MISSING.code(), "The content of file " + file.id() + " is missing.");
                }
                throw new IllegalStateException("Could not reach the content of " + file.id(), failure.getCause());
            }
            throw unreadable(
                    JobErrorCode.INVALID_INPUT.code(), "The file could not be opened by " + processor.name() + ".");
        } catch (InterruptedException e) {
            look.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while inspecting " + file.id(), e);
        }
    }

    /** Taken in the inspecting task, so a look cancelled before it starts holds no copy. */
    private BlobStore.LocalCopy localCopy(FileInfo file) {
        try {
            return blobs.localCopy(file.sha256());
        } catch (IOException e) {
            throw new StoreFailure(e);
        }
    }

    /** The blob store failed, not the processor. */
    private static final class StoreFailure extends RuntimeException {
        StoreFailure(IOException cause) {
            super(cause);
        }
    }

    private static ApiException unreadable(String jobCode, String message) {
        return new ApiException(ErrorCode.INPUT_UNREADABLE, message)
                .with("field", "input.fileId")
                .with("jobCode", jobCode);
    }

    @Override
    public void destroy() {
        inspectors.shutdownNow();
    }
}
