package dev.kiln.compat;

import dev.kiln.jobs.Job;
import dev.kiln.jobs.JobError;
import dev.kiln.jobs.JobState;
import dev.kiln.processors.JobErrorCode;
import java.util.Set;

/**
 * A refusal of the compatibility layer's own (Kiln's others are {@code ApiException}s), which each
 * foreign API answers in its shape: {@link OpenAiErrors}, {@link AsrErrors}.
 *
 * <p>{@code param} is the request field at fault, {@code jobId} the job the request made (null
 * when it made none; else every answer names it in {@code Kiln-Job-Id}), {@code jobError} the job's
 * error code when it failed.
 */
final class CompatFailure extends RuntimeException {

    enum Kind {
        /** A form field or query parameter has a value this API does not take. */
        INVALID_VALUE,
        /** No file came with the request. */
        MISSING_FILE,
        /** No engine of that name. */
        UNKNOWN_MODEL,
        /** No engine here transcribes that language. */
        UNSUPPORTED_LANGUAGE,
        /** No engine here translates. */
        CANNOT_TRANSLATE,
        /** No engine here detects the spoken language. */
        CANNOT_DETECT,
        /** The job failed because of its input (it cannot be decoded, it holds no sound). */
        BAD_INPUT,
        /** The job failed otherwise. */
        JOB_FAILED,
        /** Someone cancelled the job. */
        JOB_CANCELLED,
        /** The wait ended before the job did; it runs on. */
        STILL_RUNNING,
        /** This node is shutting down; the job runs on (elsewhere). */
        SHUTTING_DOWN,
        /** The engine the operator set for a request that cannot name one is no longer installed. */
        ENGINE_GONE
    }

    /** Job errors that are the input's fault: sending it again will not help. */
    private static final Set<String> INPUT_ERRORS = Set.of(
            JobErrorCode.MEDIA_UNREADABLE.code(),
            JobErrorCode.NO_AUDIO.code(),
            JobErrorCode.INVALID_INPUT.code(),
            JobErrorCode.INPUT_MISSING.code());

    private final Kind kind;
    private final String param;
    private final String jobId;
    private final String jobError;

    private CompatFailure(Kind kind, String message, String param, String jobId, String jobError) {
        super(message, null, false, false);
        this.kind = kind;
        this.param = param;
        this.jobId = jobId;
        this.jobError = jobError;
    }

    static CompatFailure of(Kind kind, String message, String param) {
        return new CompatFailure(kind, message, param, null, null);
    }

    static CompatFailure invalid(String param, String message) {
        return of(Kind.INVALID_VALUE, message, param);
    }

    /** Why a finished job has no transcript for the request: it failed (its error), or was cancelled. */
    static CompatFailure ended(Job job) {
        if (job.state() == JobState.CANCELLED) {
            return new CompatFailure(Kind.JOB_CANCELLED, "Job " + job.id() + " was cancelled.", null, job.id(), null);
        }
        JobError error = job.error();
        String code = error == null ? JobErrorCode.PROCESSOR_ERROR.code() : error.code();
        String message = error == null ? "Job " + job.id() + " failed." : error.message();
        Kind kind = INPUT_ERRORS.contains(code) ? Kind.BAD_INPUT : Kind.JOB_FAILED;
        return new CompatFailure(kind, message, "file", job.id(), code);
    }

    /** The job went away (deleted) while the request waited for it. */
    static CompatFailure gone(String jobId) {
        return new CompatFailure(Kind.JOB_CANCELLED, "Job " + jobId + " was deleted.", null, jobId, null);
    }

    /** The wait ended before the job did ({@code STILL_RUNNING} or {@code SHUTTING_DOWN}): it runs on. */
    static CompatFailure unfinished(Kind kind, String jobId) {
        String why = kind == Kind.SHUTTING_DOWN
                ? "This server is shutting down"
                : "The transcription takes longer than this request may wait";
        return new CompatFailure(
                kind,
                why + "; it goes on as Kiln job " + jobId + ". Follow it at /api/v1/jobs/" + jobId
                        + " and fetch the transcript from /api/v1/jobs/" + jobId + "/result (same token).",
                null,
                jobId,
                null);
    }

    Kind kind() {
        return kind;
    }

    String param() {
        return param;
    }

    String jobId() {
        return jobId;
    }

    String jobError() {
        return jobError;
    }
}
