package dev.kiln.api;

import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

/**
 * The catalogue of problem {@code code}s Kiln answers with. Codes are stable: clients branch on
 * them. Every code is documented in {@code docs/errors.md} (a test keeps the two in step).
 */
public enum ErrorCode {
    MALFORMED_REQUEST(HttpStatus.BAD_REQUEST, "The request is malformed"),
    MALFORMED_JSON(HttpStatus.BAD_REQUEST, "The request body is not valid JSON"),
    JSON_LIMIT_EXCEEDED(HttpStatus.BAD_REQUEST, "The JSON goes past one of the server's limits"),
    INVALID_FIELD(HttpStatus.BAD_REQUEST, "A field or parameter is invalid"),
    INVALID_PARAMS(HttpStatus.BAD_REQUEST, "The job parameters are invalid"),
    UNKNOWN_PROCESSOR(HttpStatus.BAD_REQUEST, "No processor has that name"),
    UNKNOWN_FORMAT(HttpStatus.BAD_REQUEST, "The result is not available in that format"),
    INVALID_SCHEMA(HttpStatus.BAD_REQUEST, "The params schema is not a usable JSON Schema"),
    UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "Authentication required"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "Not allowed"),
    LINK_INVALID(HttpStatus.FORBIDDEN, "The link is invalid or has expired"),
    CSRF_TOKEN_INVALID(HttpStatus.FORBIDDEN, "The CSRF token is missing or wrong"),
    CROSS_SITE_SIGN_IN(HttpStatus.FORBIDDEN, "Signing in from another site is refused"),
    ORIGIN_NOT_ALLOWED(HttpStatus.FORBIDDEN, "Pages from this origin may not use this server"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "No such resource"),
    JOB_NOT_FOUND(HttpStatus.NOT_FOUND, "No such job"),
    FILE_NOT_FOUND(HttpStatus.NOT_FOUND, "No such file"),
    BATCH_NOT_FOUND(HttpStatus.NOT_FOUND, "No such batch"),
    UPLOAD_NOT_FOUND(HttpStatus.NOT_FOUND, "No such upload"),
    WEBHOOK_NOT_FOUND(HttpStatus.NOT_FOUND, "No such webhook"),
    DELIVERY_NOT_FOUND(HttpStatus.NOT_FOUND, "No such webhook delivery"),
    UPLOAD_EXPIRED(HttpStatus.GONE, "The upload expired"),
    RESULT_NOT_FOUND(HttpStatus.NOT_FOUND, "The job has no result"),
    METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "Cannot produce an acceptable representation"),
    USER_EXISTS(HttpStatus.CONFLICT, "A user with that name exists"),
    LAST_ADMIN(HttpStatus.CONFLICT, "The last administrator cannot be demoted or deleted"),
    CANNOT_DELETE_SELF(HttpStatus.CONFLICT, "An administrator cannot delete themselves"),
    USER_HAS_DATA(HttpStatus.CONFLICT, "The user owns jobs or files"),
    USER_NOT_FOUND(HttpStatus.NOT_FOUND, "No such user"),
    TOKEN_NOT_FOUND(HttpStatus.NOT_FOUND, "No such token"),
    OFFSET_MISMATCH(HttpStatus.CONFLICT, "Upload-Offset is not where the upload stands"),
    UPLOAD_LOST(HttpStatus.CONFLICT, "The upload's stored bytes were lost; it starts again from offset 0"),
    JOB_FINISHED(HttpStatus.CONFLICT, "The job has already finished"),
    JOB_NOT_RETRYABLE(HttpStatus.CONFLICT, "Only failed or cancelled jobs can be retried"),
    LEASE_LOST(HttpStatus.CONFLICT, "The lease is no longer this attempt's"),
    NO_SPEAKERS(HttpStatus.CONFLICT, "The result names no speakers"),
    EDIT_CONFLICT(HttpStatus.CONFLICT, "The segment changed since that version"),
    JOB_NOT_FINISHED(HttpStatus.CONFLICT, "The job has not finished"),
    RESULT_NOT_EDITABLE(HttpStatus.CONFLICT, "The result is not a transcript or a document"),
    SEARCH_MODE_UNAVAILABLE(HttpStatus.CONFLICT, "That search mode is not available on this server"),
    PROCESSOR_NAME_TAKEN(HttpStatus.CONFLICT, "A built-in processor has that name"),
    JOB_RUNNING(HttpStatus.CONFLICT, "The job is running"),
    FILE_IN_USE(HttpStatus.CONFLICT, "Jobs waiting or running need this file"),
    TOO_MANY_FILES(HttpStatus.CONFLICT, "The job holds as many result files as allowed"),
    TOO_MANY_WEBHOOKS(HttpStatus.CONFLICT, "You have as many webhooks as allowed"),
    EMPTY_FILE(HttpStatus.BAD_REQUEST, "The file is empty"),
    UPLOAD_INTERRUPTED(HttpStatus.BAD_REQUEST, "The upload ended before the whole body arrived"),
    UNSUPPORTED_TUS_VERSION(HttpStatus.PRECONDITION_FAILED, "Unsupported tus version"),
    UPLOAD_OVERFLOW(HttpStatus.CONTENT_TOO_LARGE, "More bytes than the upload has left"),
    FILE_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "The file is larger than allowed"),
    JSON_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "The JSON body is larger than allowed"),
    QUOTA_EXCEEDED(HttpStatus.CONTENT_TOO_LARGE, "Your storage quota would be exceeded"),
    RANGE_NOT_SATISFIABLE(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "The Range cannot be served from this file"),
    UNSUPPORTED_CONTENT_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "The request's Content-Type is not supported"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "The processor does not accept this file's type"),
    UPLOAD_LOCKED(HttpStatus.LOCKED, "Another request is writing to this upload"),
    CHECKSUM_MISMATCH(460, "The chunk does not match its checksum"),
    IDEMPOTENCY_KEY_REUSED(HttpStatus.UNPROCESSABLE_CONTENT, "The Idempotency-Key was used for a different request"),
    INVALID_BATCH_ITEM(HttpStatus.UNPROCESSABLE_CONTENT, "An item of the batch cannot be submitted"),
    INPUT_UNREADABLE(HttpStatus.UNPROCESSABLE_CONTENT, "The input file cannot be read by the processor"),
    URL_NOT_ALLOWED(HttpStatus.UNPROCESSABLE_CONTENT, "Kiln does not send requests to that address"),
    TOO_MANY_STREAMS(HttpStatus.TOO_MANY_REQUESTS, "Too many event streams open"),
    RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS, "A rate limit was reached"),
    TOO_MANY_QUEUED_JOBS(HttpStatus.TOO_MANY_REQUESTS, "Too many of your jobs are waiting"),
    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error"),
    DATABASE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "The database is unavailable"),
    STORAGE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "The blob store is unavailable"),
    SHUTTING_DOWN(HttpStatus.SERVICE_UNAVAILABLE, "This node is shutting down");

    private final HttpStatusCode status;
    private final String title;

    ErrorCode(HttpStatus status, String title) {
        this(status.value(), title);
    }

    /** For statuses outside the HTTP standard (tus's 460 Checksum Mismatch). */
    ErrorCode(int status, String title) {
        this.status = HttpStatusCode.valueOf(status);
        this.title = title;
    }

    public HttpStatusCode status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The wire form: {@code job_not_found}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
