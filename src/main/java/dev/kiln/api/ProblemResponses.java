package dev.kiln.api;

import dev.kiln.processors.InvalidParams;
import dev.kiln.storage.BlobStoreUnavailableException;
import dev.kiln.support.Texts;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.apache.tomcat.util.http.fileupload.InvalidFileNameException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Turns every failure of an API call into a problem document with a stable {@code code}:
 * Kiln's own {@link ApiException}s, a processor's {@link InvalidParams}, Spring MVC's request errors, an unreachable database
 * (503) and anything unexpected (500, logged, no internals in the answer). On a {@link ForeignApi}'s
 * paths the same failure is answered in that API's shape.
 */
@RestControllerAdvice
class ProblemResponses extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);
    /** How Tomcat names the parameter it could not decode: "Parameter [cursor] with value [%z]". */
    private static final Pattern PARAMETER_NAME = Pattern.compile("Parameter \\[([^\\]]*)\\]");

    private final List<ForeignApi> foreign;
    private final RefusalMetrics refusals;

    ProblemResponses(List<ForeignApi> foreign, RefusalMetrics refusals) {
        this.foreign = foreign;
        this.refusals = refusals;
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<?> api(ApiException e, HttpServletRequest request) {
        refusals.answered(e.code());
        for (ForeignApi api : foreign) {
            if (api.covers(request)) {
                return api.answer(e);
            }
        }
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.code().status());
        response.headers(e.responseHeaders());
        // Set, not negotiated: a problem is answered whatever the request's Accept asked for.
        return response.contentType(MediaType.APPLICATION_PROBLEM_JSON).body(Problems.of(e));
    }

    /** A processor refused a job's parameters (the extension point throws no HTTP errors of its own). */
    @ExceptionHandler(InvalidParams.class)
    ResponseEntity<?> invalidParams(InvalidParams e, HttpServletRequest request) {
        return api(
                new ApiException(ErrorCode.INVALID_PARAMS, e.getMessage())
                        .with("field", e.errors().getFirst().field())
                        .with("errors", e.errors()),
                request);
    }

    @ExceptionHandler({
        CannotGetJdbcConnectionException.class,
        DataAccessResourceFailureException.class,
        TransientDataAccessResourceException.class
    })
    ResponseEntity<?> databaseDown(Exception e, HttpServletRequest request) {
        log.warn("Database unavailable during {} {}: {}", request.getMethod(), request.getRequestURI(), e.getMessage());
        return api(
                new ApiException(ErrorCode.DATABASE_UNAVAILABLE, "The database is not answering; try again shortly.")
                        .retryAfter(Duration.ofSeconds(5)),
                request);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<?> typeMismatch(MethodArgumentTypeMismatchException e, HttpServletRequest request) {
        return api(
                ApiException.invalidField(
                        e.getName(),
                        "'" + Texts.safe(String.valueOf(e.getValue()), 40) + "' is not a valid " + e.getName() + "."),
                request);
    }

    /** Tomcat decodes the query string when a parameter is first read, and refuses bad escapes ({@code %zz}) then. */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<?> badEscape(InvalidParameterException e, HttpServletRequest request) {
        Matcher name = PARAMETER_NAME.matcher(String.valueOf(e.getMessage()));
        String detail = "The query string is not correctly percent-encoded.";
        return api(
                name.find()
                        ? ApiException.invalidField(Texts.safe(name.group(1), 40), detail)
                        : new ApiException(ErrorCode.MALFORMED_REQUEST, detail),
                request);
    }

    /** The firewall refuses some headers only when code reads them (control characters in a value). */
    @ExceptionHandler(RequestRejectedException.class)
    ResponseEntity<?> rejected(RequestRejectedException e, HttpServletRequest request) {
        return api(
                new ApiException(ErrorCode.MALFORMED_REQUEST, "The request is not acceptable: " + e.getMessage()),
                request);
    }

    /**
     * A multipart body is parsed when its parts are first asked for: one that does not parse (no
     * boundary, no closing boundary) or names a file Tomcat refuses (a NUL in it) is the client's
     * fault. One too large is answered by {@link #handleExceptionInternal}, as {@code file_too_large}.
     */
    @ExceptionHandler(MultipartException.class)
    ResponseEntity<?> badMultipart(MultipartException e, HttpServletRequest request) {
        String detail = "The multipart body could not be read: it is malformed, or ended before its closing boundary.";
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidFileNameException) {
                detail = "A part's file name holds a character no file name may have (NUL).";
            } else if (String.valueOf(cause.getMessage()).contains("no multipart boundary")) {
                detail = "The multipart body has no boundary: send Content-Type: multipart/form-data; boundary=….";
            }
        }
        return api(new ApiException(ErrorCode.MALFORMED_REQUEST, detail), request);
    }

    /**
     * Spring reads the request's Content-Type only as a concrete media type: where a body is optional
     * and no {@code consumes} refused it first, a wildcard such as {@code *}{@code /*} throws this.
     * Any other cause of the exception is a fault of ours, whatever the request's Content-Type.
     */
    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<?> illegalArgument(IllegalArgumentException e, HttpServletRequest request) {
        if (String.valueOf(e.getMessage()).startsWith("Content-Type cannot contain wildcard")
                && wildcard(request.getContentType())) {
            return api(
                    new ApiException(
                                    ErrorCode.UNSUPPORTED_CONTENT_TYPE,
                                    "Content-Type " + Texts.safe(request.getContentType(), 40)
                                            + " is no concrete media type: send one, such as application/json, or"
                                            + " none with no body.")
                            .with("field", HttpHeaders.CONTENT_TYPE),
                    request);
        }
        return unexpected(e, request);
    }

    /**
     * The health endpoint looks a path up below a component that does not exist by failing an
     * assertion (Spring Boot's HealthEndpointSupport, {@code /actuator/health/zzz/yy}): a path it does
     * not have, as {@code /actuator/health/zzz} is (api.HealthNotFound). Any other is a fault of ours.
     */
    @ExceptionHandler(IllegalStateException.class)
    ResponseEntity<?> illegalState(IllegalStateException e, HttpServletRequest request) {
        if (request.getRequestURI().startsWith("/actuator/health/")
                && String.valueOf(e.getMessage()).contains("'contributor' must not be null")) {
            return api(
                    new ApiException(
                            ErrorCode.NOT_FOUND, "No such resource: " + Texts.safe(request.getRequestURI(), 200)),
                    request);
        }
        return unexpected(e, request);
    }

    private static boolean wildcard(String contentType) {
        if (contentType == null) {
            return false;
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            return type.isWildcardType() || type.isWildcardSubtype();
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<?> unexpected(Exception e, HttpServletRequest request) {
        // Store failures arrive wrapped by whoever met them (streaming a body, sniffing, serving).
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BlobStoreUnavailableException down) {
                log.warn(
                        "Blob store unavailable during {} {}: {}",
                        request.getMethod(),
                        request.getRequestURI(),
                        down.getMessage());
                return api(
                        new ApiException(
                                        ErrorCode.STORAGE_UNAVAILABLE,
                                        "The file store is not answering; try again shortly.")
                                .retryAfter(Duration.ofSeconds(5)),
                        request);
            }
        }
        log.error("Unexpected failure in {} {}", request.getMethod(), request.getRequestURI(), e);
        return api(
                new ApiException(ErrorCode.INTERNAL_ERROR, "Something went wrong on our side; it has been logged."),
                request);
    }

    /** Spring MVC's own request errors, re-coded into Kiln's catalogue. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ApiException mapped = switch (ex) {
            case HttpMessageNotReadableException e ->
                new ApiException(ErrorCode.MALFORMED_JSON, "The request body could not be read as JSON.");
            case HttpRequestMethodNotSupportedException e ->
                new ApiException(ErrorCode.METHOD_NOT_ALLOWED, "Method " + e.getMethod() + " is not allowed here.");
            case HttpMediaTypeNotSupportedException e ->
                new ApiException(
                        ErrorCode.UNSUPPORTED_CONTENT_TYPE,
                        "Content-Type " + e.getContentType() + " is not supported here; use one of "
                                + e.getSupportedMediaTypes() + ".");
            case HttpMediaTypeNotAcceptableException e ->
                new ApiException(ErrorCode.NOT_ACCEPTABLE, "None of the requested media types can be produced.");
            case MissingServletRequestParameterException e ->
                ApiException.invalidField(
                        e.getParameterName(), "Query parameter '" + e.getParameterName() + "' is required.");
            case MissingRequestHeaderException e ->
                ApiException.invalidField(e.getHeaderName(), "Header '" + e.getHeaderName() + "' is required.");
            case MissingServletRequestPartException e ->
                ApiException.invalidField(e.getRequestPartName(), "Part '" + e.getRequestPartName() + "' is required.");
            case MaxUploadSizeExceededException e ->
                new ApiException(
                                ErrorCode.FILE_TOO_LARGE,
                                "The upload exceeds the maximum size of " + e.getMaxUploadSize() + " bytes.")
                        .with("maxSize", e.getMaxUploadSize());
            case NoResourceFoundException e ->
                new ApiException(ErrorCode.NOT_FOUND, "No such resource: /" + e.getResourcePath());
            default ->
                status.is5xxServerError()
                        ? new ApiException(
                                ErrorCode.INTERNAL_ERROR, "Something went wrong on our side; it has been logged.")
                        : new ApiException(ErrorCode.INVALID_FIELD, "The request is invalid: " + ex.getMessage());
        };
        if (status.is5xxServerError()) {
            log.error("Request failed", ex);
        }
        if (headers.getAllow() != null && !headers.getAllow().isEmpty()) {
            mapped.header(HttpHeaders.ALLOW, headers.getFirst(HttpHeaders.ALLOW));
        }
        @SuppressWarnings("unchecked")
        ResponseEntity<Object> answer =
                (ResponseEntity<Object>) api(mapped, ((ServletWebRequest) request).getRequest());
        return answer;
    }
}
