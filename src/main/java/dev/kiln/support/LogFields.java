package dev.kiln.support;

/**
 * Names of the correlation fields Kiln puts in the logging MDC: every log line written while
 * serving a request, or while running a job, carries the ones that apply (as JSON fields in
 * structured logs).
 */
public final class LogFields {

    /** The request being served: the caller's {@code X-Request-Id}, or one Kiln made up. */
    public static final String REQUEST_ID = "requestId";
    /** The authenticated caller, or the owner of the job being run. */
    public static final String USER_ID = "userId";
    /** The job a request is about, or the job being run. */
    public static final String JOB_ID = "jobId";

    private LogFields() {}
}
