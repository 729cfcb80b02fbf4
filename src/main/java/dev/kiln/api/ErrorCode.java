package dev.kiln.api;

import org.springframework.http.HttpStatus;

/**
 * The catalogue of problem {@code code}s Kiln answers with. Codes are stable: clients branch on
 * them. Every code is documented in {@code docs/errors.md} (a test keeps the two in step).
 */
public enum ErrorCode {
    MALFORMED_JSON(HttpStatus.BAD_REQUEST, "The request body is not valid JSON"),
    INVALID_FIELD(HttpStatus.BAD_REQUEST, "A field or parameter is invalid"),
    INVALID_PARAMS(HttpStatus.BAD_REQUEST, "The job parameters are invalid"),
    UNKNOWN_PROCESSOR(HttpStatus.BAD_REQUEST, "No processor has that name"),
    UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "Authentication required"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "Not allowed"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "No such resource"),
    JOB_NOT_FOUND(HttpStatus.NOT_FOUND, "No such job"),
    FILE_NOT_FOUND(HttpStatus.NOT_FOUND, "No such file"),
    RESULT_NOT_FOUND(HttpStatus.NOT_FOUND, "The job has no result"),
    METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "Cannot produce an acceptable representation"),
    USER_EXISTS(HttpStatus.CONFLICT, "A user with that name exists"),
    JOB_FINISHED(HttpStatus.CONFLICT, "The job has already finished"),
    JOB_NOT_RETRYABLE(HttpStatus.CONFLICT, "Only failed or cancelled jobs can be retried"),
    EMPTY_FILE(HttpStatus.BAD_REQUEST, "The file is empty"),
    UPLOAD_INTERRUPTED(HttpStatus.BAD_REQUEST, "The upload ended before the whole body arrived"),
    FILE_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "The file is larger than allowed"),
    UNSUPPORTED_CONTENT_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "The request's Content-Type is not supported"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "The processor does not accept this file's type"),
    IDEMPOTENCY_KEY_REUSED(HttpStatus.UNPROCESSABLE_CONTENT, "The Idempotency-Key was used for a different request"),
    TOO_MANY_STREAMS(HttpStatus.TOO_MANY_REQUESTS, "Too many event streams open"),
    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error"),
    DATABASE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "The database is unavailable");

    private final HttpStatus status;
    private final String title;

    ErrorCode(HttpStatus status, String title) {
        this.status = status;
        this.title = title;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The wire form: {@code job_not_found}. */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
